#!/bin/sh
# Stand-in for Prisma's native schema-engine binary, which cannot be downloaded on our machines.
# `prisma generate` only checks that this file exists. Migrations run through `npm run db:*`
# (src/database/migrations-cli.ts, the WebAssembly schema engine).
echo "schema-engine binary not available offline: use npm run db:migrate:* (src/database/migrations-cli.ts)" >&2
exit 1
