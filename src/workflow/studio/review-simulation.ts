import type { Precedent } from '../../ingestion/trace-summary.repository';
import type { StoredEvent, TraceState } from '../../ingestion/stored-event';
import { findTemplate, REVIEW_TEMPLATES, ReviewTemplate } from '../../policies/review-templates';

/** What the dry run knows about a trace; gathered by the service, judged here (pure). */
export type TraceFacts = {
  traceId: string;
  summary: Omit<TraceState, 'last_trace_seq' | 'last_event_hash'>;
  events: StoredEvent[];
  precedents: Precedent[];
};

export type Simulation = {
  risk_signals: string[];
  priority: string;
  recommended_reason: string;
  trace_outcome: string | null;
  policy_id: string | null;
  policy_version: string | null;
};

type Policy = { policy_id?: unknown; policy_version?: unknown };

/** The newest policy the trace evaluated or asked an exception of. */
export function tracePolicy(events: StoredEvent[]): { policy_id: string | null; policy_version: string | null } {
  for (const event of [...events].reverse()) {
    if (event.event_type !== 'PolicyEvaluated' && event.event_type !== 'ExceptionRequested') continue;
    const policy = (event.payload.policy ?? {}) as Policy;
    if (typeof policy.policy_id === 'string') {
      return {
        policy_id: policy.policy_id,
        policy_version: typeof policy.policy_version === 'string' ? policy.policy_version : null,
      };
    }
  }
  return { policy_id: null, policy_version: null };
}

/** SPEC §6.5: the template asked for, else exception_follow_up / incident_triage / precedent_gap_review. */
export function chooseTemplate(requested: string | undefined, facts: TraceFacts): ReviewTemplate {
  const asked = findTemplate(requested);
  if (asked) return asked;
  const fallback = hasException(facts)
    ? 'exception_follow_up'
    : facts.summary.outcome === 'failure'
      ? 'incident_triage'
      : 'precedent_gap_review';
  return findTemplate(fallback) ?? REVIEW_TEMPLATES[0];
}

export function simulate(facts: TraceFacts): Simulation {
  const outcome = facts.summary.outcome;
  const exception = hasException(facts);
  const unfavourable = outcome === 'failure';
  const active = facts.summary.finished_at === null;
  const divergence = outcome !== null && facts.precedents.some((p) => p.outcome !== outcome);
  const signals = [
    ...(exception ? ['exception requested'] : []),
    ...(unfavourable ? ['unfavorable outcome'] : []),
    ...(active ? ['trace still active'] : []),
    ...(facts.precedents.length === 0 ? ['no close precedents'] : []),
    ...(divergence ? ['precedent divergence'] : []),
  ];
  const priority = exception || unfavourable ? 'urgent' : divergence || active ? 'high' : 'normal';
  const reason = signals.length
    ? `Review trace ${facts.traceId}: ${signals.join(', ')}.`
    : `Review trace ${facts.traceId} against its precedents.`;
  return {
    risk_signals: signals,
    priority,
    recommended_reason: reason,
    trace_outcome: outcome,
    ...tracePolicy(facts.events),
  };
}

function hasException(facts: TraceFacts): boolean {
  return facts.events.some((e) => e.event_type === 'ExceptionRequested');
}
