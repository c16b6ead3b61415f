// DecisionGraph command line (SPEC §10); `node dist/cli/main.js --help` lists the commands and
// `<command> --help` describes one.
import { Command } from 'commander';
import { generateToken } from '../auth/token-hash';
import { runMigrationsCommand } from '../database/migrations-cli';
import { generateExportKeyPair } from './keygen.command';
import { writeOpenApiDocument } from './openapi-command';
import { replayCommand } from './replay.command';
import { seedDemo } from './seed-demo.command';
import { verifyExportCommand } from './verify-export.command';

function buildProgram(): Command {
  const program = new Command('decisiongraph').description('DecisionGraph command line').showHelpAfterError();

  program
    .command('token')
    .description('print a new random bearer token and the sha256: hash to configure')
    .action(() => {
      const { token, hash } = generateToken();
      console.log(`token: ${token}`);
      console.log(`hash:  ${hash}`);
      console.log('Give the token to the client once; put only the hash in DG_SERVICE_ACCOUNTS.');
    });

  const migrate = program
    .command('migrate')
    .description(
      'offline migrations on DATABASE_URL (without it, the embedded database in DG_DATA_DIR); alone, the same as migrate deploy',
    )
    .action(() => runMigrationsCommand('deploy', []));
  migrate
    .command('deploy')
    .description('apply pending migrations')
    .action(() => runMigrationsCommand('deploy', []));
  migrate
    .command('status')
    .description('show the migration status; exit 1 when the history diverges or a migration failed')
    .action(() => runMigrationsCommand('status', []));
  migrate
    .command('resolve')
    .description('mark a failed migration as applied or rolled back')
    .argument('<name>', 'the migration directory name')
    .option('--applied', 'mark it applied')
    .option('--rolled-back', 'mark it rolled back')
    .action((name: string, flags: { applied?: boolean; rolledBack?: boolean }, resolve: Command) => {
      if (flags.applied === flags.rolledBack)
        resolve.error('error: resolve needs exactly one of --applied and --rolled-back');
      return runMigrationsCommand('resolve', [name, flags.applied ? '--applied' : '--rolled-back']);
    });

  program
    .command('seed-demo')
    .description(
      'seed the demo dataset through the append path and print the inbox summary (stop the service first on the embedded database)',
    )
    .argument('[tenant]', 'the tenant to seed', 'release-demo')
    .action(async (tenant: string) => {
      const summary = await seedDemo(tenant);
      console.log(`Demo dataset in tenant ${tenant}. Inbox summary:`);
      console.log(JSON.stringify(summary, null, 2));
    });

  program
    .command('replay')
    .description(
      'verify, catch up or rebuild read models from the log (SPEC §16), with progress; exit 1 when a verify finds mismatches (stop the service first on the embedded database)',
    )
    .requiredOption('--tenant <tenant>', 'the tenant')
    .option('--projection <name>', 'trace_summary, precedents, workflow_import, inbox_counts or all', 'all')
    .option('--mode <mode>', 'verify, catch_up or rebuild', 'verify')
    .option('--reason <text>', 'why (stored on the run)', 'replay from the command line')
    .action(async (options: { tenant: string; projection: string; mode: string; reason: string }) => {
      process.exitCode = await replayCommand(options);
    });

  program
    .command('openapi')
    .description('write the OpenAPI document')
    .argument('[file]', 'where to write it', 'openapi/openapi.json')
    .action((file: string) => writeOpenApiDocument(file));

  program
    .command('keygen')
    .description(
      'write export-signing-key.pem and export-signing-key.pub.pem, an Ed25519 key pair for signing audit exports',
    )
    .argument('[dir]', 'the directory to write them to', '.')
    .action((dir: string) => {
      const { privateKeyPath, publicKeyPath, keyId } = generateExportKeyPair(dir);
      console.log(
        `private key: ${privateKeyPath} (set DG_EXPORT_SIGNING_KEY_FILE to it, or its content as DG_EXPORT_SIGNING_KEY)`,
      );
      console.log(`public key:  ${publicKeyPath} (give it to whoever verifies exports)`);
      console.log(`key id:      ${keyId} (the default DG_EXPORT_KEY_ID for this key)`);
    });

  program
    .command('verify-export')
    .description('verify a saved export (single or bulk NDJSON) offline; exit 1 on any failed check')
    .argument('<file>', 'the export: a response body, its data, or a bulk NDJSON file')
    .requiredOption('--public-key <pem>', 'the Ed25519 public key (PEM file)')
    .action(async (file: string, flags: { publicKey: string }) => {
      if (!(await verifyExportCommand(file, flags.publicKey))) process.exitCode = 1;
    });

  return program;
}

const program = buildProgram();
// Without a command: the usage, as a success (commander would print it as an error).
if (process.argv.length <= 2) program.help();
program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
