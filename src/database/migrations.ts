import { readdir } from 'node:fs/promises';
import { DatabaseHandle } from './database-adapter';
import { applyMigrations, migrationStatus, openSchemaEngine } from './schema-engine';

/** `prisma migrate deploy` through the wasm schema engine, on an already-open database. */
export async function deployMigrations(db: DatabaseHandle, migrationsDir: string): Promise<string[]> {
  const se = await openSchemaEngine(db.schemaFactory);
  try {
    return await applyMigrations(se.engine, migrationsDir);
  } finally {
    await se.close();
  }
}

export async function describeMigrationStatus(db: DatabaseHandle, migrationsDir: string) {
  const se = await openSchemaEngine(db.schemaFactory);
  try {
    return await migrationStatus(se.engine, migrationsDir);
  } finally {
    await se.close();
  }
}

/** The migration directory names shipped with this build, in apply order. */
export async function shippedMigrationNames(migrationsDir: string): Promise<string[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}
