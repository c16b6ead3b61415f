/** An error answer of the DecisionGraph API: `{error: {code, message, details}, request_id}` and its HTTP status. */
export class DecisionGraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly requestId?: string,
    /** Seconds to wait before retrying, from a 429's retry-after. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'DecisionGraphError';
  }

  /** Worth retrying later: rate limited, or the service or its database unavailable. */
  get retryable(): boolean {
    return this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }

  static async fromResponse(response: Response, body?: unknown): Promise<DecisionGraphError> {
    let parsed = body;
    if (parsed === undefined) {
      try {
        parsed = await response.json();
      } catch {
        parsed = undefined;
      }
    }
    const envelope = parsed as
      | { error?: { code?: string; message?: string; details?: Record<string, unknown> }; request_id?: string }
      | undefined;
    const retryAfter = Number(response.headers.get('retry-after'));
    return new DecisionGraphError(
      response.status,
      envelope?.error?.code ?? `http_${response.status}`,
      envelope?.error?.message ?? `HTTP ${response.status}`,
      envelope?.error?.details ?? {},
      envelope?.request_id,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }
}
