import { createParser, type EventSourceMessage } from 'eventsource-parser';

export type StreamEvent = { id: string | undefined; event: string | undefined; data: Record<string, unknown> };

/**
 * A raw Server-Sent Events connection for tests: fetch + eventsource-parser, keeping every event
 * and counting comment lines, with `until` to wait for what a test expects.
 */
export class SseConnection {
  readonly events: StreamEvent[] = [];
  comments = 0;
  private readonly abort = new AbortController();
  private readonly changed = new Set<() => void>();
  private ended = false;

  private constructor(readonly response: Response) {}

  static async open(url: string, headers: Record<string, string>): Promise<SseConnection> {
    const abort = new AbortController();
    const response = await fetch(url, { headers, signal: abort.signal });
    const connection = new SseConnection(response);
    connection.abort.signal.addEventListener('abort', () => abort.abort());
    if (response.ok && response.body) void connection.read(response.body);
    return connection;
  }

  /** Resolves once `condition` holds (checked on every event and comment), or rejects after `ms`. */
  until(condition: (c: SseConnection) => boolean, ms = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (condition(this)) {
          this.changed.delete(check);
          clearTimeout(timer);
          resolve();
        } else if (this.ended) {
          this.changed.delete(check);
          clearTimeout(timer);
          reject(new Error(`stream ended first; events: ${JSON.stringify(this.events)}`));
        }
      };
      const timer = setTimeout(() => {
        this.changed.delete(check);
        reject(new Error(`timed out; events: ${JSON.stringify(this.events)}`));
      }, ms);
      this.changed.add(check);
      check();
    });
  }

  /** Resolves when the server ends the stream. */
  closed(): Promise<void> {
    return this.until(() => this.ended).catch(() => undefined);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const parser = createParser({
      onEvent: (m: EventSourceMessage) => {
        this.events.push({ id: m.id, event: m.event, data: JSON.parse(m.data) as Record<string, unknown> });
        this.notify();
      },
      onComment: () => {
        this.comments++;
        this.notify();
      },
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // aborted by close()
    }
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    for (const check of [...this.changed]) check();
  }
}
