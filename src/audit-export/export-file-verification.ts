import { createReadStream } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { bytesDigest, verifyManifest, verifyWorkflowExport } from './export-verification';

export type ExportFileReport = { kind: 'single' | 'bulk'; exports: number; problems: string[] };

const NEWLINE = 0x0a;

/**
 * Verifies a saved export: one item's export (the JSON body, or the whole `{data, request_id}`
 * response) or a bulk NDJSON stream ending with its manifest. A bulk file is read line by line, so
 * memory stays flat whatever its size; the manifest digest covers the exact bytes before it.
 */
export async function verifyExportFile(path: string, publicKey: KeyObject): Promise<ExportFileReport> {
  const lines = readLines(path);
  const first = await lines.next();
  if (first.done) return { kind: 'single', exports: 0, problems: ['the file is empty'] };
  const firstJson = parseJson(first.value.text);
  const second = firstJson === undefined ? undefined : await lines.next();
  if (firstJson === undefined || (second?.done && !isManifestLine(firstJson))) {
    return verifySingle(firstJson ?? (await readWhole(first.value.text, lines)), publicKey);
  }
  return verifyBulk(first.value, second as IteratorResult<Line>, lines, publicKey);
}

type Line = { text: string; bytes: Buffer };

function verifySingle(parsed: unknown, publicKey: KeyObject): ExportFileReport {
  if (parsed === undefined) return { kind: 'single', exports: 0, problems: ['the file is neither JSON nor NDJSON'] };
  const body = isEnvelope(parsed) ? parsed.data : parsed;
  return { kind: 'single', exports: 1, problems: verifyWorkflowExport(body, publicKey) };
}

async function verifyBulk(
  first: Line,
  second: IteratorResult<Line>,
  rest: AsyncGenerator<Line>,
  publicKey: KeyObject,
): Promise<ExportFileReport> {
  const digest = bytesDigest();
  const problems: string[] = [];
  let count = 0;
  let pending = first;
  for (let next = second; !next.done; next = await rest.next()) {
    count += 1;
    digest.update(pending.bytes);
    const parsed = parseJson(pending.text);
    const found = parsed === undefined ? ['is not valid JSON'] : verifyWorkflowExport(parsed, publicKey);
    const label = `line ${count}${workflowIdOf(parsed)}`;
    problems.push(...found.map((p) => `${label}: ${p}`));
    pending = next.value;
  }
  const manifestLine = parseJson(pending.text);
  const manifest = isManifestLine(manifestLine) ? manifestLine.manifest : undefined;
  problems.push(...verifyManifest(manifest, count, digest.tagged(), publicKey).map((p) => `line ${count + 1}: ${p}`));
  return { kind: 'bulk', exports: count, problems };
}

/** The file's lines, each with its exact bytes including the newline that ends it. */
async function* readLines(path: string): AsyncGenerator<Line> {
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(path)) {
    let buffer = Buffer.concat([carry, chunk as Buffer]);
    for (let end = buffer.indexOf(NEWLINE); end !== -1; end = buffer.indexOf(NEWLINE)) {
      const bytes = buffer.subarray(0, end + 1);
      yield { text: bytes.toString('utf8', 0, end), bytes };
      buffer = buffer.subarray(end + 1);
    }
    carry = buffer;
  }
  if (carry.length) yield { text: carry.toString('utf8'), bytes: carry };
}

/** A pretty-printed single export spans lines: read the rest and parse the whole text. */
async function readWhole(firstText: string, rest: AsyncGenerator<Line>): Promise<unknown> {
  const parts = [firstText];
  for await (const line of rest) parts.push(line.text);
  return parseJson(parts.join('\n'));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isManifestLine(value: unknown): value is { manifest: unknown } {
  return typeof value === 'object' && value !== null && 'manifest' in value && Object.keys(value).length === 1;
}

function isEnvelope(value: unknown): value is { data: unknown } {
  return typeof value === 'object' && value !== null && 'data' in value && 'request_id' in value;
}

function workflowIdOf(parsed: unknown): string {
  const workflow = (parsed as { workflow?: { workflow_id?: unknown } } | undefined)?.workflow;
  return typeof workflow?.workflow_id === 'string' ? ` (workflow ${workflow.workflow_id})` : '';
}
