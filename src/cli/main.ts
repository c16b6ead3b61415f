// DecisionGraph command line (SPEC §10):
//   node dist/cli/main.js token                 print a new random token and its sha256: hash
//   node dist/cli/main.js migrate [deploy|status|resolve …]   offline Prisma migrations
//   node dist/cli/main.js seed-demo [tenant]    seed SPEC §10's demo dataset through the append path
//   node dist/cli/main.js openapi [file]        regenerate the committed OpenAPI document
import { generateToken } from '../auth/token-hash';
import { runMigrationsCommand } from '../database/migrations-cli';
import { writeOpenApiDocument } from './openapi-command';
import { seedDemo } from './seed-demo.command';

const USAGE = `usage: decisiongraph <command>
  token                          print a new random bearer token and the sha256: hash to configure
  migrate [deploy|status]        apply pending migrations to DATABASE_URL (default: deploy), or show status
  migrate resolve --applied|--rolled-back <name>   mark a failed migration
  seed-demo [tenant]             seed the demo dataset (default tenant release-demo) and print the inbox summary
  openapi [file]                 write the OpenAPI document (default openapi/openapi.json)`;

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
    default:
      console.error(USAGE);
      process.exitCode = command ? 2 : 0;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
