import { execFileSync } from 'node:child_process';

export const OPENAPI_DOCUMENT = 'openapi/openapi.json';
/** Written by `npm run openapi:client`; committed so that `npm run typecheck` sees the client's types. */
export const CLIENT_TYPES = 'test/client/openapi-schema.d.ts';
/** The same types for the reviewer console (console/), which type-checks against them. */
export const CONSOLE_CLIENT_TYPES = 'console/src/api/openapi-schema.d.ts';

/**
 * The client's types as openapi-typescript's CLI renders the committed document (what
 * `npm run openapi:client` writes). A child process: the package is ESM, which Jest cannot load here.
 */
export function renderClientTypes(): string {
  return execFileSync(process.execPath, ['node_modules/openapi-typescript/bin/cli.js', OPENAPI_DOCUMENT], {
    encoding: 'utf8',
  });
}
