import { defineConfig } from 'prisma/config';

// Used by `prisma generate`. Migrations run through src/database/migrations-cli.ts (the wasm
// schema engine), because the native schema-engine binary cannot be downloaded here.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
