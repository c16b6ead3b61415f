// DecisionGraph command line (SPEC §10):
//   node dist/cli/main.js token                 print a new random token and its sha256: hash
//   node dist/cli/main.js migrate [deploy|status|resolve …]   offline Prisma migrations
//   node dist/cli/main.js seed-demo [tenant]    seed SPEC §10's demo dataset through the append path
//   node dist/cli/main.js openapi [file]        regenerate the committed OpenAPI document
//   node dist/cli/main.js keygen [dir]          write an Ed25519 key pair for signing audit exports
//   node dist/cli/main.js verify-export <file> --public-key <pem>   check an export offline
import { generateToken } from '../auth/token-hash';
import { runMigrationsCommand } from '../database/migrations-cli';
import { generateExportKeyPair } from './keygen.command';
import { writeOpenApiDocument } from './openapi-command';
import { seedDemo } from './seed-demo.command';
import { verifyExportCommand } from './verify-export.command';

const USAGE = `usage: decisiongraph <command>
  token                          print a new random bearer token and the sha256: hash to configure
  migrate [deploy|status]        apply pending migrations to DATABASE_URL (default: deploy), or show status
  migrate resolve --applied|--rolled-back <name>   mark a failed migration
  seed-demo [tenant]             seed the demo dataset (default tenant release-demo) and print the inbox summary
  openapi [file]                 write the OpenAPI document (default openapi/openapi.json)
  keygen [dir]                   write export-signing-key.pem and export-signing-key.pub.pem (default: current directory)
  verify-export <file> --public-key <pem>   verify a saved export (single or bulk NDJSON); exit 1 on any failure`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'token': {
      const { token, hash } = generateToken();
      console.log(`token: ${token}`);
      console.log(`hash:  ${hash}`);
      console.log('Give the token to the client once; put only the hash in DG_SERVICE_ACCOUNTS.');
      return;
    }
    case 'migrate': {
      const [sub = 'deploy', ...args] = rest;
      if (!['deploy', 'status', 'resolve'].includes(sub)) throw new Error(`unknown migrate command: ${sub}\n${USAGE}`);
      return runMigrationsCommand(sub, args);
    }
    case 'seed-demo': {
      const tenant = rest.find((a) => !a.startsWith('--')) ?? 'release-demo';
      const summary = await seedDemo(tenant);
      console.log(`Demo dataset in tenant ${tenant}. Inbox summary:`);
      console.log(JSON.stringify(summary, null, 2));
      return;
    }
    case 'openapi':
      return writeOpenApiDocument(rest[0] ?? 'openapi/openapi.json');
    case 'keygen': {
      const { privateKeyPath, publicKeyPath, keyId } = generateExportKeyPair(rest[0] ?? '.');
      console.log(`private key: ${privateKeyPath} (set DG_EXPORT_SIGNING_KEY_FILE to it, or its content as DG_EXPORT_SIGNING_KEY)`);
      console.log(`public key:  ${publicKeyPath} (give it to whoever verifies exports)`);
      console.log(`key id:      ${keyId} (the default DG_EXPORT_KEY_ID for this key)`);
      return;
    }
    case 'verify-export':
      if (!(await verifyExportCommand(rest))) process.exitCode = 1;
      return;
    default:
      console.error(USAGE);
      process.exitCode = command ? 2 : 0;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
