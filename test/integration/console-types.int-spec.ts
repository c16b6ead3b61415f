import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSOLE_CLIENT_TYPES, renderClientTypes } from '../client/client-types';
import { typeCheck } from '../client/type-check';

const CONSOLE_PROJECT = 'console/tsconfig.json';

function consoleSources(dir = 'console/src'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return consoleSources(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * The reviewer console is typed by the API's own document (issue 15): its types are generated from
 * the committed openapi/openapi.json, and an API change that breaks the console breaks its type check.
 */
describe('the reviewer console against openapi/openapi.json', () => {
  it('uses types generated from the committed document (run `npm run openapi:client`)', () => {
    expect(readFileSync(CONSOLE_CLIENT_TYPES, 'utf8')).toBe(renderClientTypes());
  });

  it('stops type-checking when an item field it shows is renamed in the API', () => {
    const generated = readFileSync(CONSOLE_CLIENT_TYPES, 'utf8');
    const start = generated.indexOf('        WorkflowDto: {');
    const statusAt = generated.indexOf('            status: ', start);
    expect(start).toBeGreaterThan(0);
    const renamed = `${generated.slice(0, statusAt)}            state: ${generated.slice(statusAt + '            status: '.length)}`;

    // As it is, the console type-checks: `npm run build` (and so `npm test`) stops otherwise.
    const broken = typeCheck(consoleSources(), [{ fileName: CONSOLE_CLIENT_TYPES, text: renamed }], CONSOLE_PROJECT);
    expect([...broken.values()].flat().join('\n')).toMatch(/Property 'status' does not exist/);
  });
});
