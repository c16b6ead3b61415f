import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { DecisionGraphError } from './errors';

/** One event of `GET /api/v1/stream`. */
export type StreamEvent = {
  /** The stream id: pass it back as Last-Event-ID to resume after it. */
  id: string;
  /** `workflow.changed` or `notification.created` (SPEC §17); other names may come later. */
  type: string;
  data: Record<string, unknown>;
};

export type EventStreamOptions = {
  url: string;
  headers: Record<string, string>;
  onEvent: (event: StreamEvent) => void | Promise<void>;
  /** Resume after this id (e.g. one persisted by an earlier run). */
  lastEventId?: string;
  /** Stops the stream; the returned promise then resolves. */
  signal?: AbortSignal;
  /** Called when the connection drops and before each reconnect. */
  onDisconnect?: (error: unknown) => void;
  /** Wait before reconnecting unless the server said otherwise (its `retry:` field). */
  reconnectDelayMs?: number;
  fetch?: typeof fetch;
};

const DEFAULT_RECONNECT_MS = 2000;

/**
 * Follows a DecisionGraph event stream until `signal` aborts. Events are parsed by
 * eventsource-parser; after a disconnect it reconnects with `Last-Event-ID` set to the last id
 * received, so nothing is missed or repeated (the server keeps at least an hour). Answers that
 * retrying cannot fix (400, 401, 403, 404) end it with a DecisionGraphError.
 */
export async function streamEvents(options: EventStreamOptions): Promise<void> {
  const doFetch = options.fetch ?? fetch;
  let lastEventId = options.lastEventId;
  let delayMs = options.reconnectDelayMs ?? DEFAULT_RECONNECT_MS;
  while (!options.signal?.aborted) {
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
      const response = await doFetch(options.url, { headers, signal: options.signal });
      if (!response.ok) {
        const error = await DecisionGraphError.fromResponse(response);
        if (!error.retryable) throw error;
        if (error.retryAfterSeconds) delayMs = error.retryAfterSeconds * 1000;
        throw error;
      }
      if (!response.body) throw new Error('the event stream has no body');
      const queue: StreamEvent[] = [];
      const parser = createParser({
        onEvent: (message: EventSourceMessage) => {
          if (message.id === undefined) return;
          queue.push({ id: message.id, type: message.event ?? 'message', data: JSON.parse(message.data) });
        },
        onRetry: (ms: number) => {
          delayMs = options.reconnectDelayMs ?? ms;
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        // Handled one by one, in order; the id moves only once its event was handled.
        for (let event = queue.shift(); event && !options.signal?.aborted; event = queue.shift()) {
          await options.onEvent(event);
          lastEventId = event.id;
        }
      }
      options.onDisconnect?.(new Error('the server ended the stream'));
    } catch (e) {
      if (options.signal?.aborted) return;
      if (e instanceof DecisionGraphError && !e.retryable) throw e;
      options.onDisconnect?.(e);
    }
    await pause(delayMs, options.signal);
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
