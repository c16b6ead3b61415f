// Offline replacement for `prisma migrate …` (the native schema engine cannot be downloaded here):
//   diff | create <name> [--draft] | deploy | status | resolve --applied|--rolled-back <name>
// diff and create always run on throwaway in-memory PGlite databases; deploy, status and resolve
// run against DATABASE_URL (default: the embedded database in DG_DATA_DIR).
import path from 'node:path';
import { loadDatabaseConfig } from '../config/database-config';
import { openDatabase } from './database-adapter';
import * as se from './schema-engine';

const SCHEMA = path.resolve('prisma/schema.prisma');

export async function runMigrationsCommand(cmd: string | undefined, args: string[]): Promise<void> {
  const config = loadDatabaseConfig();
  const diffing = cmd === 'diff' || cmd === 'create';
  const files = diffing ? await se.readSchemaFiles(SCHEMA) : undefined;
  const db = await openDatabase(diffing ? 'pglite:memory://' : config.url, 1);
  const { engine, close } = await se.openSchemaEngine(db.schemaFactory, files);
  try {
    switch (cmd) {
      case 'diff':
        process.stdout.write(await se.diffFromEmpty(engine, files ?? []));
        break;
      case 'create': {
        const name = args.find((a) => !a.startsWith('--')) ?? 'migration';
        const dir = await se.createMigration(engine, files ?? [], config.migrationsDir, name, args.includes('--draft'));
        console.log(
          dir ? `Created prisma/migrations/${dir}/migration.sql` : 'No schema changes: no migration created.',
        );
        break;
      }
      case 'deploy': {
        const applied = await se.applyMigrations(engine, config.migrationsDir);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'No pending migrations to apply.');
        break;
      }
      case 'status': {
        const status = await se.migrationStatus(engine, config.migrationsDir);
        console.log(JSON.stringify(status, null, 2));
        if (status.history || status.failedMigrationNames.length || status.editedMigrationNames.length)
          process.exitCode = 1;
        break;
      }
      case 'resolve': {
        const name = args.find((a) => !a.startsWith('--'));
        if (!name) throw new Error('resolve needs a migration name');
        if (args.includes('--applied')) {
          await engine.markMigrationApplied({
            migrationName: name,
            migrationsList: await se.listMigrations(config.migrationsDir),
          });
        } else if (args.includes('--rolled-back')) {
          await engine.markMigrationRolledBack({ migrationName: name });
        } else {
          throw new Error('resolve needs --applied or --rolled-back');
        }
        console.log(`Marked ${name}`);
        break;
      }
      default:
        throw new Error(`unknown migrations command: ${cmd ?? '(none)'}; use diff, create, deploy, status or resolve`);
    }
  } finally {
    await close();
    await db.close();
  }
}

if (require.main === module) {
  const [cmd, ...args] = process.argv.slice(2);
  runMigrationsCommand(cmd, args).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
