// Offline Prisma Migrate: drives @prisma/schema-engine-wasm (the WebAssembly build of Prisma's
// schema engine) through a driver adapter, because the native engine cannot be downloaded here.
// It writes and reads the standard `_prisma_migrations` table, so `prisma migrate deploy` on a
// connected machine sees the same history.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type * as SE from '@prisma/schema-engine-wasm';

type Runtime = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');
type WasmApi = {
  Module: new (bytes: Buffer) => unknown;
  Instance: new (module: unknown, imports: Record<string, unknown>) => { exports: Record<string, unknown> };
};
let runtime: Runtime | undefined;

function loadRuntime(): Runtime {
  if (runtime) return runtime;
  // `lib` has no DOM and @types/node 20 does not declare the WebAssembly global.
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  // The package is ESM; Node >= 20.19 can require() it from CommonJS.
  const rt = require('@prisma/schema-engine-wasm/schema_engine_bg') as Runtime;
  const wasmPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/\.js$/, '.wasm');
  const mod = new wasm.Module(fs.readFileSync(wasmPath));
  // The engine arms a timer around the migration advisory lock and never clears it; unref it so
  // a finished CLI or test worker can exit at once.
  const imports: Record<string, unknown> = { ...rt };
  for (const key of Object.keys(imports)) {
    if (key.startsWith('__wbg_setTimeout_')) {
      const original = imports[key] as (...args: unknown[]) => { unref?: () => void } | undefined;
      imports[key] = (...args: unknown[]) => {
        const timer = original(...args);
        timer?.unref?.();
        return timer;
      };
    }
  }
  const instance = new wasm.Instance(mod, { './schema_engine_bg.js': imports });
  const glue = rt as unknown as { __wbg_set_wasm(exports: unknown): void };
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  runtime = rt;
  return rt;
}

const NO_FILTER: SE.SchemaFilter = { externalTables: [], externalEnums: [] };

export async function readSchemaFiles(schemaPath: string): Promise<SE.SchemaContainer[]> {
  return [{ path: schemaPath, content: await fsp.readFile(schemaPath, 'utf8') }];
}

/** Same shape as the Prisma CLI's listMigrations(): sorted dirs, migration.sql contents, lockfile. */
export async function listMigrations(baseDir: string): Promise<SE.MigrationList> {
  const lockPath = 'migration_lock.toml';
  const lockContent = await fsp.readFile(path.join(baseDir, lockPath), 'utf8').catch(() => null);
  const entries = await fsp.readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const dirs: SE.MigrationDirectory[] = [];
  for (const entry of entries.filter((d) => d.isDirectory())) {
    const content = await fsp
      .readFile(path.join(baseDir, entry.name, 'migration.sql'), 'utf8')
      .then((value) => ({ tag: 'ok' as const, value }))
      .catch((err: Error) => ({ tag: 'error' as const, value: err.message }));
    dirs.push({ path: entry.name, migrationFile: { path: 'migration.sql', content } });
  }
  dirs.sort((a, b) => a.path.localeCompare(b.path));
  return {
    baseDir,
    lockfile: { path: lockPath, content: lockContent },
    migrationDirectories: dirs,
    shadowDbInitScript: '',
  };
}

export type SchemaEngineHandle = { engine: SE.SchemaEngine; close: () => Promise<void> };

export async function openSchemaEngine(
  factory: SqlMigrationAwareDriverAdapterFactory,
  schemaFiles?: SE.SchemaContainer[],
): Promise<SchemaEngineHandle> {
  const rt = loadRuntime();
  // engine.free() does not dispose the adapters the engine connected (a pg Pool would keep the
  // process alive for its idle timeout), so track them and dispose them on close().
  const open = new Set<SqlDriverAdapter>();
  const track = async (pending: Promise<SqlDriverAdapter>) => {
    const adapter = await pending;
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      if (open.delete(adapter)) await dispose();
    };
    open.add(adapter);
    return adapter;
  };
  const bound = bindMigrationAwareSqlAdapterFactory({
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => track(factory.connect()),
    connectToShadowDb: () => track(factory.connectToShadowDb()),
  });
  const datamodels = schemaFiles?.map((f) => [f.path, f.content] as [string, string]);
  let engine: SE.SchemaEngine;
  try {
    engine = await rt.SchemaEngine.new({ datamodels }, () => undefined, bound);
  } catch (e) {
    const registry = (
      bound as unknown as { errorRegistry?: { lookupError(e: unknown): { error: unknown } | undefined } }
    ).errorRegistry;
    throw registry?.lookupError(e)?.error ?? e;
  }
  return {
    engine,
    close: async () => {
      engine.free();
      for (const adapter of [...open]) await adapter.dispose();
    },
  };
}

/** `prisma migrate diff --from-empty --to-schema <schema> --script`. */
export async function diffFromEmpty(engine: SE.SchemaEngine, files: SE.SchemaContainer[]): Promise<string> {
  const res = await engine.diff({
    from: { tag: 'empty' },
    to: { tag: 'schemaDatamodel', files },
    script: true,
    exitCode: null,
    filters: NO_FILTER,
  });
  return res.stdout ?? '';
}

/**
 * `prisma migrate dev --create-only --name <name>` (`draft`: an empty migration to write by hand,
 * for changes the schema cannot express, such as functions). The wasm engine's createMigration reads the
 * schema of the migrations from a cache that devDiagnostic fills (replaying the applied migrations
 * on a shadow database), so apply, diagnose, then create — the order `migrate dev` uses.
 */
export async function createMigration(
  engine: SE.SchemaEngine,
  files: SE.SchemaContainer[],
  migrationsDir: string,
  name: string,
  draft = false,
): Promise<string | undefined> {
  await fsp.mkdir(migrationsDir, { recursive: true });
  const migrationsList = await listMigrations(migrationsDir);
  await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
  const diag = await engine.devDiagnostic({ migrationsList, filters: NO_FILTER });
  if (diag.action.tag === 'reset')
    throw new Error(`Dev database needs a reset (drift or edited migration): ${diag.action.reason}`);
  const out = await engine.createMigration({
    draft,
    migrationName: name,
    migrationsList,
    schema: { files },
    filters: NO_FILTER,
  });
  if (out.migrationScript === null) return undefined;
  const dir = path.join(migrationsDir, out.generatedMigrationName);
  if (fs.existsSync(dir)) throw new Error(`The migration directory already exists at ${dir}`);
  await fsp.mkdir(dir, { recursive: true });
  await fsp.writeFile(path.join(dir, `migration.${out.extension}`), out.migrationScript, 'utf8');
  await fsp.writeFile(
    path.join(migrationsDir, migrationsList.lockfile.path),
    `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${out.connectorType}"\n`,
    'utf8',
  );
  return out.generatedMigrationName;
}

/** `prisma migrate deploy`: returns the names of the migrations it applied. */
export async function applyMigrations(engine: SE.SchemaEngine, migrationsDir: string): Promise<string[]> {
  const out = await engine.applyMigrations({ migrationsList: await listMigrations(migrationsDir), filters: NO_FILTER });
  return out.appliedMigrationNames;
}

/** `prisma migrate status`. */
export async function migrationStatus(engine: SE.SchemaEngine, migrationsDir: string) {
  const migrationsList = await listMigrations(migrationsDir);
  return engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: NO_FILTER });
}
