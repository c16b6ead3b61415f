// Runs in every test worker before the tests: each test file gets its own in-memory PGlite,
// migrated at app start, unless a postgres:// DATABASE_URL is exported (the CI's second leg).
process.env.NODE_ENV = 'test';
process.env.DG_MIGRATE_ON_START = 'true';
process.env.DG_LOG_LEVEL = process.env.DG_LOG_LEVEL ?? 'warn';
if (!/^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '')) {
  process.env.DATABASE_URL = 'pglite:memory://';
}
// The webhook worker would claim deliveries of every tenant in a shared PostgreSQL database; only
// the test files about delivery turn it on, for their own apps.
process.env.DG_WEBHOOK_DELIVERY_ENABLED = 'false';
// One key for every test app (SPEC §15): apps that share a database read each other's endpoint
// secrets, and a production-mode app, which needs a key, seals every secret of its database at start.
process.env.DG_WEBHOOK_SECRET_KEY = process.env.DG_WEBHOOK_SECRET_KEY ?? 'ZGVjaXNpb25ncmFwaCB0ZXN0IGtleSwgMzIgYnl0ZXM=';
