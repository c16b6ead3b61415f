import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the README screenshots go: docs/images with UPDATE_SCREENSHOTS=1 (then commit them), the
 * temp directory otherwise, so that a test run leaves the work tree as it was.
 */
export function screenshotPath(name: string): string {
  const dir = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/images' : join(tmpdir(), 'decisiongraph-console');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
