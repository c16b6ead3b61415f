import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './openapi-schema';

/** The API's own types, generated from openapi/openapi.json (npm run openapi:client). */
export type Schemas = components['schemas'];
export type Workflow = Schemas['WorkflowDto'];
export type WorkflowDetail = Schemas['WorkflowDetailDto'];
export type Inbox = Schemas['InboxDto'];
export type InboxSummary = Schemas['InboxSummaryDto'];
export type StoredEvent = Schemas['StoredEventDto'];
export type Whoami = Schemas['WhoamiDto'];
export type ActionRequest = Schemas['WorkflowActionDto'];
export type DryRun = Schemas['StudioDryRunDto'];
export type ApiClient = Client<paths>;

export type Credentials = { tenant: string; token: string };

/** An error answer of the API (SPEC §3), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A client for one session: every request carries its bearer token and tenant. */
export function createApiClient(credentials: Credentials): ApiClient {
  const client = createClient<paths>({ baseUrl: window.location.origin });
  client.use({
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${credentials.token}`);
      request.headers.set('x-tenant-id', credentials.tenant);
      return request;
    },
  });
  return client;
}

/** A client without credentials, for the public routes a sign-in page needs. */
export function createPublicClient(): ApiClient {
  return createClient<paths>({ baseUrl: window.location.origin });
}

type Envelope<T> = { data: T; request_id: string };
type FetchResult<T> = { data?: Envelope<T>; error?: unknown; response: Response };

/** The envelope's data, or an ApiError carrying the API's code and message. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<{ data: T; response: Response }> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (e) {
    throw new ApiError(
      0,
      'network',
      `The service could not be reached (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const { data, error, response } = result;
  if (!response.ok || data === undefined) throw toApiError(response.status, error);
  return { data: data.data, response };
}

function toApiError(status: number, body: unknown): ApiError {
  const envelope = body as { error?: { code?: unknown; message?: unknown } } | undefined;
  const code = typeof envelope?.error?.code === 'string' ? envelope.error.code : 'http_error';
  const message =
    typeof envelope?.error?.message === 'string' ? envelope.error.message : `The service answered ${status}`;
  return new ApiError(status, code, message);
}
