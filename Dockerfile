# syntax=docker/dockerfile:1
# DecisionGraph image: compiled with the dev toolchain, run with production dependencies only.
#   docker build -t decisiongraph:0.1.0 .
#   docker run --rm decisiongraph:0.1.0 node dist/cli/main.js token
# Node 22: nestjs-pino needs >= 22.12 (the service itself runs on >= 20.19).
ARG NODE_IMAGE=node:22-bookworm-slim

# Production dependencies. --omit=optional too, because npm keeps a devDependency that is also an
# optional peer of a production package (prisma and typescript, via @prisma/client and
# @nestjs/swagger): 457 MB of node_modules instead of 204 MB. The only optional production package
# is pg-cloudflare (Cloudflare Workers). No install script is needed (package.json's allowScripts
# denies them all, but the npm 10 in this image does not read that list, hence --ignore-scripts).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# The npm workspace of the client library (packages/client) is part of the lock file.
COPY packages/client/package.json ./packages/client/
RUN npm ci --omit=dev --omit=optional --ignore-scripts

# `npm run build` = `prisma generate` (offline: scripts/no-schema-engine.sh stands in for the engine
# it never runs), which writes src/generated/prisma, then tsc, which compiles it into dist/, then the
# reviewer console (console/, type-checked, then built by Vite into dist/public/console).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/client/package.json ./packages/client/
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY src ./src
COPY packages/client ./packages/client
COPY console ./console
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# tini is PID 1 and forwards SIGTERM to node. Node as PID 1 ignores SIGTERM until the service has
# installed its shutdown handler (late in start-up), so a stop during start-up would wait for SIGKILL.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /var/lib/decisiongraph \
  && chown 1000:1000 /var/lib/decisiongraph
# Without DATABASE_URL the embedded database lives in DG_DATA_DIR: mount a volume on
# /var/lib/decisiongraph (one container only). deploy/ uses PostgreSQL.
ENV NODE_ENV=production \
    PORT=3000 \
    DG_DATA_DIR=/var/lib/decisiongraph/pgdata
WORKDIR /app
# Owned by root and read-only to the service. At run time it reads dist/ (the reviewer console's
# files in dist/public/console included), node_modules/ (including
# the Prisma query compiler and schema engine .wasm files) and prisma/migrations/ (applied by
# `migrate deploy` or DG_MIGRATE_ON_START, and compared by /api/readyz).
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY prisma/migrations ./prisma/migrations
# The base image's "node" user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
