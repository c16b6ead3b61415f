import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json';
import type { StoredEvent } from '../ingestion/stored-event';
import { exportBody, exportIntegrity, type ExportSigner, type WorkflowExportParts } from './workflow-export';

/** An item's export without its trace's events, which are read a chunk at a time. */
export type ExportHead = Omit<WorkflowExportParts, 'events'>;

/** The trace's events after `afterTraceSeq` (ascending, a bounded chunk); empty at the end. */
export type EventChunks = (afterTraceSeq: number) => Promise<StoredEvent[]>;

/**
 * One item's export as the pieces of its NDJSON line — byte for byte
 * `canonicalJson(buildWorkflowExport(…)) + "\n"` — holding one chunk of trace events at a time,
 * however long the trace (SPEC §15). The digest covers the events, and canonical JSON writes
 * `integrity` before `trace_events`, so the events are read twice: once into the digest, once
 * into the line. `readEvents` must give the same events both times: the log is append-only, and
 * the caller bounds the reads by the trace_seq its snapshot saw.
 */
export async function* streamWorkflowExport(
  head: ExportHead,
  exportedAt: Date,
  signer: ExportSigner,
  readEvents: EventChunks,
): AsyncGenerator<string> {
  const placeholder = randomUUID();
  const body = exportBody(head, exportedAt, placeholder);
  const hash = createHash('sha256');
  let eventChainHead: string | null = null;
  const [bodyBefore, bodyAfter] = splitAt(canonicalJson(body), placeholder);
  hash.update(`${bodyBefore}[`);
  for await (const text of eventTexts(readEvents, (e) => (eventChainHead = e.event_hash))) hash.update(text);
  hash.update(`]${bodyAfter}`);
  const integrity = exportIntegrity(head, `sha256:${hash.digest('hex')}`, signer, eventChainHead);

  const [lineBefore, lineAfter] = splitAt(canonicalJson({ ...body, integrity }), placeholder);
  yield `${lineBefore}[`;
  yield* eventTexts(readEvents, () => undefined);
  yield `]${lineAfter}\n`;
}

/** The events' canonical JSON, comma-separated, one string per chunk. */
async function* eventTexts(readEvents: EventChunks, seen: (event: StoredEvent) => void): AsyncGenerator<string> {
  let after = -1;
  let first = true;
  for (let chunk = await readEvents(after); chunk.length; chunk = await readEvents(after)) {
    const texts = chunk.map((event) => {
      seen(event);
      return canonicalJson(event);
    });
    yield `${first ? '' : ','}${texts.join(',')}`;
    first = false;
    after = chunk[chunk.length - 1].trace_seq;
  }
}

/** The text around the one occurrence of the placeholder string (a random UUID, so never in the data). */
function splitAt(text: string, placeholder: string): [string, string] {
  const quoted = JSON.stringify(placeholder);
  const at = text.indexOf(quoted);
  return [text.slice(0, at), text.slice(at + quoted.length)];
}
