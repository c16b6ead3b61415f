import createClient, { Client } from 'openapi-fetch';
import { DocumentedResponses } from './documented-responses';
import type { paths } from './openapi-schema';

export type ApiClient = Client<paths>;
type Result<T> = { data?: T; error?: unknown; response: Response };

/**
 * Clients typed by the generated `paths`, and the check of what they receive: each response must
 * carry the status the test expects, and that status, its media type and its body must be the
 * documented ones. `driven` collects every operation (`METHOD /path/{template}`) that passed.
 */
export class DocumentedClients {
  readonly documented = new DocumentedResponses();
  readonly driven = new Set<string>();
  private readonly operations = new WeakMap<Response, string>();

  constructor(private readonly baseUrl: string) {}

  client(token?: string): ApiClient {
    const client = createClient<paths>({
      baseUrl: this.baseUrl,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    client.use({
      onResponse: ({ request, schemaPath, response }) => {
        this.operations.set(response, `${request.method} ${schemaPath}`);
      },
    });
    return client;
  }

  /** The response's data once its status is `status` and it conforms to the document. */
  async expect<T>(call: Promise<Result<T>>, status: number): Promise<T> {
    const { data, error, response } = await call;
    const operation = this.operations.get(response);
    if (!operation) throw new Error(`response of ${response.url} was not made by a documented client`);
    if (response.status !== status)
      throw new Error(`${operation}: expected ${status}, got ${response.status} ${JSON.stringify(error)}`);
    const problems = this.documented.check(operation, status, response.headers, data);
    if (problems.length > 0) throw new Error(`${operation} does not match the document:\n${problems.join('\n')}`);
    this.driven.add(operation);
    return data as T;
  }

  /**
   * A response that does not end by itself (text/event-stream, asked for with `parseAs: 'stream'`):
   * its status and headers are checked, and its first chunk, as text, against the documented body.
   */
  async expectStreamStart(call: Promise<Result<ReadableStream<Uint8Array> | null>>, status: number): Promise<string> {
    const { data, response } = await call;
    const reader = data?.getReader();
    const first = reader ? await reader.read() : { value: undefined };
    await reader?.cancel();
    const text = new TextDecoder().decode(first.value);
    const operation = this.operations.get(response);
    if (!operation) throw new Error(`response of ${response.url} was not made by a documented client`);
    if (response.status !== status) throw new Error(`${operation}: expected ${status}, got ${response.status}`);
    const problems = this.documented.check(operation, status, response.headers, text);
    if (problems.length > 0) throw new Error(`${operation} does not match the document:\n${problems.join('\n')}`);
    this.driven.add(operation);
    return text;
  }
}
