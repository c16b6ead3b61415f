import { createPublicKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { verifyExportFile } from '../audit-export/export-file-verification';

/** `verify-export <file> --public-key <pem>`: prints every failed check; false when any failed. */
export async function verifyExportCommand(file: string, keyPath: string): Promise<boolean> {
  const report = await verifyExportFile(file, readPublicKey(keyPath));
  const what = report.kind === 'bulk' ? `bulk export of ${report.exports} workflow(s)` : 'workflow export';
  for (const problem of report.problems) console.log(`FAIL ${problem}`);
  console.log(
    report.problems.length
      ? `${what}: ${report.problems.length} check(s) failed`
      : `OK ${what}: digest, signature and hash chains verify`,
  );
  return report.problems.length === 0;
}

function readPublicKey(path: string): KeyObject {
  const key = createPublicKey(readFileSync(path, 'utf8'));
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`${path} is not an Ed25519 public key (got ${key.asymmetricKeyType})`);
  return key;
}
