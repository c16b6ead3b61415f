import { DomainError, ERROR_STATUS } from '../../src/common/error-codes';
import { validateEvent } from '../../src/ingestion/event-validation';
import { scanJsonNumbers } from '../../src/ingestion/json-number-scan';

// The unit specs of event validation (src/ingestion/event-validation*.spec.ts) share these.

export type Body = Record<string, unknown>;

export function anEvent(overrides: Body = {}): Body {
  return {
    event_id: 'evt-1',
    trace_id: 'trace-1',
    trace_seq: 1,
    event_type: 'PolicyEvaluated',
    occurred_at: '2026-01-02T03:04:05Z',
    source: { producer_id: 'policy-engine', system: 'refunds' },
    actor: { actor_id: 'agent-7', actor_type: 'agent' },
    idempotency_key: 'idem-1',
    payload: { policy: { policy_id: 'refund-limit', policy_version: 'v3' }, inputs: [], decision: 'deny' },
    ...overrides,
  };
}

/** Validates the way the service does: from the request text, so `1.0` stays a float. */
export function validateText(text: string, path = '$') {
  const parsed = JSON.parse(text) as Body;
  const body = path === '$' ? parsed : (parsed.events as unknown[])[Number(/\[(\d+)\]$/.exec(path)?.[1])];
  return validateEvent(body, scanJsonNumbers(text), path);
}

export function validate(body: unknown) {
  return validateText(JSON.stringify(body));
}

/** The error as the client sees it: status, code, message and details. */
export function refusal(run: () => unknown): { status: number; code: string; message: string; details: unknown } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { status: ERROR_STATUS[error.code], code: error.code, message: error.message, details: error.details };
  }
  throw new Error('expected a refusal');
}

export function refusalOf(body: unknown) {
  return refusal(() => validate(body));
}
