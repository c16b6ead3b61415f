import { DomainError } from '../common/error-codes';
import { EVENT_TYPES, EventType } from './event-types';
import { validatePayload } from './payload-shapes';

/** A valid payload of each type, every optional field left out. */
const VALID: Record<EventType, Record<string, unknown>> = {
  TraceStarted: {
    workflow: 'refunds',
    title: 'Refund 42',
    primary_entity: { entity_type: 'order', entity_id: 'o-42' },
  },
  InputObserved: { input_id: 'in-1', source: { system: 'crm', object_type: 'ticket', object_id: 't-1' }, facts: [] },
  EntityObserved: { entity: { entity_type: 'order', entity_id: 'o-42' }, role: 'primary', facts: [{ k: 'v' }] },
  PolicyEvaluated: {
    policy: { policy_id: 'refund-limit', policy_version: 'v3' },
    inputs: [],
    decision: 'require_exception',
  },
  ExceptionRequested: {
    exception_id: 'ex-1',
    policy: { policy_id: 'refund-limit', policy_version: 'v3' },
    reason: 'VIP',
  },
  ApprovalRecorded: {
    approval_id: 'ap-1',
    subject: { subject_type: 'exception', subject_id: 'ex-1' },
    approver: { actor_type: 'person', actor_id: 'alice' },
    decision: 'approved',
  },
  WorkflowReviewRequested: {
    template_id: 'incident_triage',
    workflow_kind: 'incident_review',
    title: 'Review trace t-1',
    reason: 'precedent divergence',
    priority: 'high',
    assignee: {},
    subject: { subject_type: 'trace_review', subject_id: 'incident_triage' },
    simulation: {},
    sla_hours: 2,
  },
  PrecedentCited: { cited_trace_id: 't-0', reason: 'same customer' },
  ActionProposed: {
    action_id: 'act-1',
    action_type: 'refund',
    target_entity: { entity_type: 'order', entity_id: 'o-42' },
    target_system: 'billing',
    changes: [],
  },
  ActionCommitted: { action_id: 'act-1', status: 'success' },
  TraceFinished: { outcome: 'success' },
};

/** SPEC §5.3's required column, copied by hand. */
const REQUIRED: Record<EventType, string[]> = {
  TraceStarted: ['workflow', 'title', 'primary_entity.entity_type', 'primary_entity.entity_id'],
  InputObserved: ['input_id', 'source.system', 'source.object_type', 'source.object_id', 'facts'],
  EntityObserved: ['entity.entity_type', 'entity.entity_id', 'role', 'facts'],
  PolicyEvaluated: ['policy.policy_id', 'policy.policy_version', 'inputs', 'decision'],
  ExceptionRequested: ['exception_id', 'policy.policy_id', 'policy.policy_version', 'reason'],
  ApprovalRecorded: [
    'approval_id',
    'subject.subject_type',
    'subject.subject_id',
    'approver.actor_type',
    'approver.actor_id',
    'decision',
  ],
  WorkflowReviewRequested: [
    'template_id',
    'workflow_kind',
    'title',
    'reason',
    'priority',
    'assignee',
    'subject.subject_type',
    'subject.subject_id',
    'simulation',
    'sla_hours',
  ],
  PrecedentCited: ['cited_trace_id', 'reason'],
  ActionProposed: [
    'action_id',
    'action_type',
    'target_entity.entity_type',
    'target_entity.entity_id',
    'target_system',
    'changes',
  ],
  ActionCommitted: ['action_id', 'status'],
  TraceFinished: ['outcome'],
};

function payloadOf(type: EventType, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const payload = structuredClone(VALID[type]);
  for (const [dotted, value] of Object.entries(changes)) {
    const names = dotted.split('.');
    const parent = names.slice(0, -1).reduce((node, name) => node[name] as Record<string, unknown>, payload);
    if (value === undefined) delete parent[names[names.length - 1]];
    else parent[names[names.length - 1]] = value;
  }
  return payload;
}

function problem(
  type: EventType,
  payload: Record<string, unknown>,
  path = '$.payload',
): { message: string; details: unknown } | undefined {
  try {
    validatePayload(type, payload, path);
    return undefined;
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'schema_violation') throw error;
    return { message: error.message, details: error.details };
  }
}

describe(validatePayload.name, () => {
  it.each(EVENT_TYPES)('accepts a minimal valid %s payload', (type) => {
    expect(problem(type, payloadOf(type))).toBeUndefined();
  });

  const requiredCases = EVENT_TYPES.flatMap((type) => REQUIRED[type].map((field) => [type, field] as const));

  it.each(requiredCases)('%s requires %s', (type, field) => {
    expect(problem(type, payloadOf(type, { [field]: undefined }))).toEqual({
      message: `$.payload.${field} is required`,
      details: { path: `$.payload.${field}` },
    });
  });

  it.each(
    requiredCases.filter(
      ([, field]) => !['facts', 'inputs', 'changes', 'assignee', 'simulation', 'sla_hours'].includes(field),
    ),
  )('%s refuses a blank %s', (type, field) => {
    expect(problem(type, payloadOf(type, { [field]: '  ' }))?.message).toBe(
      `$.payload.${field} must be a non-blank string`,
    );
  });

  it('treats null like a missing field', () => {
    expect(problem('TraceFinished', { outcome: null })?.message).toBe('$.payload.outcome is required');
  });

  it('names the missing leaf when its parent object is missing', () => {
    expect(problem('PolicyEvaluated', payloadOf('PolicyEvaluated', { policy: undefined }))).toEqual({
      message: '$.payload.policy.policy_id is required',
      details: { path: '$.payload.policy.policy_id' },
    });
  });

  it('names the parent when it is not an object', () => {
    expect(problem('PolicyEvaluated', payloadOf('PolicyEvaluated', { policy: 'refund-limit' }))?.message).toBe(
      '$.payload.policy must be an object',
    );
  });

  it('refuses a required string of another type', () => {
    expect(problem('PolicyEvaluated', payloadOf('PolicyEvaluated', { 'policy.policy_version': 3 }))?.message).toBe(
      '$.payload.policy.policy_version must be a non-blank string',
    );
  });

  it.each([
    ['InputObserved', 'facts'],
    ['EntityObserved', 'facts'],
    ['PolicyEvaluated', 'inputs'],
    ['ActionProposed', 'changes'],
  ] as const)('%s requires %s to be an array', (type, field) => {
    expect(problem(type, payloadOf(type, { [field]: { a: 1 } }))?.message).toBe(`$.payload.${field} must be an array`);
  });

  it.each([
    ['EntityObserved', 'role', 'primary, related'],
    ['PolicyEvaluated', 'decision', 'allow, deny, require_exception'],
    ['ApprovalRecorded', 'decision', 'approved, rejected'],
    ['ActionCommitted', 'status', 'success, failure, partial'],
    ['TraceFinished', 'outcome', 'success, failure, abandoned'],
    ['WorkflowReviewRequested', 'priority', 'urgent, high, normal, low'],
    ['ExceptionRequested', 'priority', 'urgent, high, normal, low'],
  ] as const)('%s enforces the values of %s', (type, field, values) => {
    expect(problem(type, payloadOf(type, { [field]: 'other' }))).toEqual({
      message: `$.payload.${field} must be one of ${values}`,
      details: { path: `$.payload.${field}` },
    });
  });

  it('matches enforced values exactly, except priority', () => {
    expect(problem('TraceFinished', { outcome: 'Success' })?.message).toBe(
      '$.payload.outcome must be one of success, failure, abandoned',
    );
    expect(problem('ExceptionRequested', payloadOf('ExceptionRequested', { priority: 'URGENT' }))).toBeUndefined();
    expect(
      problem('WorkflowReviewRequested', payloadOf('WorkflowReviewRequested', { priority: 'Normal' })),
    ).toBeUndefined();
  });

  it.each([
    ['ExceptionRequested', { exception_id: 'x'.repeat(201) }, 'exception_id', 200],
    ['ApprovalRecorded', { subject: { subject_type: 'é'.repeat(101), subject_id: 's' } }, 'subject.subject_type', 200],
    [
      'ApprovalRecorded',
      { subject: { subject_type: 'override', subject_id: 'x'.repeat(433) } },
      'subject.subject_id',
      432,
    ],
    ['WorkflowReviewRequested', { assignee: { account_id: 'x'.repeat(201) } }, 'assignee.account_id', 200],
  ] as const)('limits %s key fields that the workflow layer indexes: %j', (type, fields, field, bytes) => {
    expect(problem(type, payloadOf(type, fields))).toEqual({
      message: `$.payload.${field} must be at most ${bytes} UTF-8 bytes`,
      details: { path: `$.payload.${field}` },
    });
    expect(
      problem('ExceptionRequested', payloadOf('ExceptionRequested', { exception_id: 'é'.repeat(100) })),
    ).toBeUndefined();
  });

  it('does not trim a priority before matching it', () => {
    expect(problem('ExceptionRequested', payloadOf('ExceptionRequested', { priority: ' high' }))?.message).toBe(
      '$.payload.priority must be one of urgent, high, normal, low',
    );
  });

  it.each([
    ['ExceptionRequested', 'evidence', 'must be an array'],
    ['ApprovalRecorded', 'evidence', 'must be an array'],
    ['PolicyEvaluated', 'violations', 'must be an array'],
    ['PolicyEvaluated', 'explanation', 'must be a string'],
    ['ApprovalRecorded', 'reason', 'must be a string'],
    ['PrecedentCited', 'similarity_score', 'must be a string'],
    ['TraceStarted', 'primary_entity.system', 'must be a string'],
    ['InputObserved', 'source.locator', 'must be a string'],
    ['EntityObserved', 'entity.system', 'must be a string'],
    ['ActionProposed', 'target_entity.system', 'must be a string'],
    ['ActionCommitted', 'external_reference', 'must be a string'],
    ['TraceFinished', 'summary', 'must be a string'],
    ['WorkflowReviewRequested', 'policy_id', 'must be a string'],
    ['WorkflowReviewRequested', 'policy_version', 'must be a string'],
    ['WorkflowReviewRequested', 'template_description', 'must be a string'],
    ['WorkflowReviewRequested', 'assignee.account_id', 'must be a string'],
    ['WorkflowReviewRequested', 'assignee.role', 'must be a string'],
  ] as const)('%s checks the type of the optional %s', (type, field, expected) => {
    expect(problem(type, payloadOf(type, { [field]: 7 }))?.message).toBe(`$.payload.${field} ${expected}`);
  });

  it('accepts optional fields of the right type, and null for absent', () => {
    const payload = payloadOf('PolicyEvaluated', { violations: ['too large'], explanation: null });
    expect(problem('PolicyEvaluated', payload)).toBeUndefined();
    const precedent = payloadOf('PrecedentCited', { similarity_score: '0.93' });
    expect(problem('PrecedentCited', precedent)).toBeUndefined();
  });

  it('accepts an assignee with an account id and a role', () => {
    const payload = payloadOf('WorkflowReviewRequested', { assignee: { account_id: 'alice', role: 'admin' } });
    expect(problem('WorkflowReviewRequested', payload)).toBeUndefined();
  });

  it.each([
    ['assignee', 'ops', 'must be an object'],
    ['assignee', [], 'must be an object'],
    ['simulation', 'none', 'must be an object'],
    ['sla_hours', 0, 'must be an integer between 1 and 876000'],
    ['sla_hours', -2, 'must be an integer between 1 and 876000'],
    ['sla_hours', '2', 'must be an integer between 1 and 876000'],
    ['sla_hours', 1.5, 'must be an integer between 1 and 876000'],
    ['sla_hours', 876_001, 'must be an integer between 1 and 876000'],
  ])('WorkflowReviewRequested refuses %s = %p', (field, value, expected) => {
    expect(problem('WorkflowReviewRequested', payloadOf('WorkflowReviewRequested', { [field]: value }))?.message).toBe(
      `$.payload.${field} ${expected}`,
    );
  });

  it('reports only the first problem, in the order of the shape', () => {
    expect(problem('ActionCommitted', { status: 'nope' })?.message).toBe('$.payload.action_id is required');
  });

  it('writes paths under the payload path it is given, as in a batch', () => {
    expect(
      problem(
        'PolicyEvaluated',
        payloadOf('PolicyEvaluated', { 'policy.policy_id': undefined }),
        '$.events[3].payload',
      ),
    ).toEqual({
      message: '$.events[3].payload.policy.policy_id is required',
      details: { path: '$.events[3].payload.policy.policy_id' },
    });
  });

  it('keeps members it does not know', () => {
    expect(problem('TraceFinished', { outcome: 'failure', extra: { any: ['thing'] } })).toBeUndefined();
  });

  it('does not take inherited properties for fields', () => {
    expect(problem('TraceFinished', Object.create({ outcome: 'success' }) as Record<string, unknown>)?.message).toBe(
      '$.payload.outcome is required',
    );
  });
});
