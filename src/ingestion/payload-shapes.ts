import { DomainError } from '../common/error-codes';
import type { EventType } from './event-types';
import { memberPath } from './json-number-scan';

/**
 * The payload shapes of SPEC §5.3 as data, checked in table order so the first problem is the one
 * reported. Members not listed are allowed and kept as sent.
 */
export type FieldKind = 'string' | 'array' | 'object' | 'positive_integer' | 'any';

export type FieldRule = {
  /** Dotted path relative to the payload, e.g. `policy.policy_id`. */
  path: string;
  kind: FieldKind;
  required: boolean;
  oneOf?: readonly string[];
  ignoreCase?: boolean;
  /** Upper bound of a positive integer. */
  max?: number;
  /** Upper bound of a string's UTF-8 length. */
  maxBytes?: number;
};

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;

/**
 * SLA hours are added to `occurred_at` by the workflow layer; beyond this (a century) the deadline
 * would leave the range a Date can hold, and an accepted event must never make that layer fail.
 */
export const MAX_SLA_HOURS = 876_000;

/** SPEC §11.4: how many approvals an item may require. */
export const MAX_REQUIRED_APPROVALS = 10;
const requiredApprovals = { max: MAX_REQUIRED_APPROVALS };

/**
 * Strings the workflow layer builds keys from (workflow ids, assignees, notification dedupe keys),
 * which PostgreSQL indexes: an index entry holds at most about 2.7 kB, and a longer key would make
 * the append fail. A subject id may name a workflow (an override), itself made of two ids.
 */
export const MAX_KEY_BYTES = 200;
const key = { maxBytes: MAX_KEY_BYTES };
const subjectId = { maxBytes: 2 * MAX_KEY_BYTES + 32 };

function required(path: string, kind: FieldKind = 'string', extra: Partial<FieldRule> = {}): FieldRule {
  return { path, kind, required: true, ...extra };
}

function optional(path: string, kind: FieldKind = 'string', extra: Partial<FieldRule> = {}): FieldRule {
  return { path, kind, required: false, ...extra };
}

const priority = { oneOf: PRIORITIES, ignoreCase: true };

export const PAYLOAD_SHAPES: Readonly<Record<EventType, readonly FieldRule[]>> = {
  TraceStarted: [
    required('workflow'),
    required('title'),
    required('primary_entity.entity_type'),
    required('primary_entity.entity_id'),
    optional('primary_entity.system'),
    optional('context', 'any'),
  ],
  InputObserved: [
    required('input_id'),
    required('source.system'),
    required('source.object_type'),
    required('source.object_id'),
    required('facts', 'array'),
    optional('source.locator'),
  ],
  EntityObserved: [
    required('entity.entity_type'),
    required('entity.entity_id'),
    required('role', 'string', { oneOf: ['primary', 'related'] }),
    required('facts', 'array'),
    optional('entity.system'),
  ],
  PolicyEvaluated: [
    required('policy.policy_id'),
    required('policy.policy_version'),
    required('inputs', 'array'),
    required('decision', 'string', { oneOf: ['allow', 'deny', 'require_exception'] }),
    optional('violations', 'array'),
    optional('explanation'),
  ],
  ExceptionRequested: [
    required('exception_id', 'string', key),
    required('policy.policy_id'),
    required('policy.policy_version'),
    required('reason'),
    optional('evidence', 'array'),
    optional('priority', 'string', priority),
    optional('required_approvals', 'positive_integer', requiredApprovals),
  ],
  ApprovalRecorded: [
    required('approval_id'),
    required('subject.subject_type', 'string', key),
    required('subject.subject_id', 'string', subjectId),
    required('approver.actor_type'),
    required('approver.actor_id'),
    required('decision', 'string', { oneOf: ['approved', 'rejected'] }),
    optional('reason'),
    optional('evidence', 'array'),
    optional('approvers', 'array'),
  ],
  WorkflowReviewRequested: [
    required('template_id'),
    required('workflow_kind'),
    required('title'),
    required('reason'),
    required('priority', 'string', priority),
    required('assignee', 'object'),
    optional('assignee.account_id', 'string', key),
    optional('assignee.role', 'string', key),
    required('subject.subject_type', 'string', key),
    required('subject.subject_id', 'string', subjectId),
    required('simulation', 'object'),
    required('sla_hours', 'positive_integer', { max: MAX_SLA_HOURS }),
    optional('policy_id'),
    optional('policy_version'),
    optional('template_description'),
    optional('required_approvals', 'positive_integer', requiredApprovals),
  ],
  PrecedentCited: [required('cited_trace_id'), required('reason'), optional('similarity_score')],
  ActionProposed: [
    required('action_id'),
    required('action_type'),
    required('target_entity.entity_type'),
    required('target_entity.entity_id'),
    required('target_system'),
    required('changes', 'array'),
    optional('target_entity.system'),
  ],
  ActionCommitted: [
    required('action_id'),
    required('status', 'string', { oneOf: ['success', 'failure', 'partial'] }),
    optional('external_reference'),
    optional('error', 'any'),
  ],
  TraceFinished: [required('outcome', 'string', { oneOf: ['success', 'failure', 'abandoned'] }), optional('summary')],
};

/**
 * Throws 422 schema_violation for the first field of the type's shape that is missing or wrong.
 * `path` is the payload's own JSON path (`$.payload`, or `$.events[3].payload` in a batch).
 */
export function validatePayload(eventType: EventType, payload: Record<string, unknown>, path: string): void {
  for (const rule of PAYLOAD_SHAPES[eventType]) {
    const field = locate(payload, rule.path, path);
    if (field.value === undefined || field.value === null) {
      if (rule.required) fail(field.path, 'is required');
      continue;
    }
    const problem = problemWith(field.value, rule);
    if (problem) fail(field.path, problem);
  }
}

/**
 * Follows a dotted path. A missing or null parent makes the leaf missing, so the message names the
 * field that is required (`policy.policy_id`); a parent of the wrong type is reported as itself.
 */
function locate(payload: Record<string, unknown>, dotted: string, base: string): { value: unknown; path: string } {
  const names = dotted.split('.');
  let current: unknown = payload;
  let path = base;
  for (const [i, name] of names.entries()) {
    if (i > 0 && !isPlainObject(current)) fail(path, 'must be an object');
    const value: unknown = Object.hasOwn(current as object, name)
      ? (current as Record<string, unknown>)[name]
      : undefined;
    path = memberPath(path, name);
    if ((value === undefined || value === null) && i < names.length - 1) {
      return { value: undefined, path: names.slice(i + 1).reduce(memberPath, path) };
    }
    current = value;
  }
  return { value: current, path };
}

function problemWith(value: unknown, rule: FieldRule): string | undefined {
  switch (rule.kind) {
    case 'string':
      return stringProblem(value, rule);
    case 'array':
      return Array.isArray(value) ? undefined : 'must be an array';
    case 'object':
      return isPlainObject(value) ? undefined : 'must be an object';
    case 'positive_integer':
      return positiveIntegerProblem(value, rule.max);
    case 'any':
      return undefined;
  }
}

function positiveIntegerProblem(value: unknown, max = Number.MAX_SAFE_INTEGER): string | undefined {
  const fits = Number.isSafeInteger(value) && (value as number) > 0 && (value as number) <= max;
  if (fits) return undefined;
  return max === Number.MAX_SAFE_INTEGER ? 'must be a positive integer' : `must be an integer between 1 and ${max}`;
}

function stringProblem(value: unknown, rule: FieldRule): string | undefined {
  if (rule.required && (typeof value !== 'string' || value.trim() === '')) return 'must be a non-blank string';
  if (typeof value !== 'string') return 'must be a string';
  if (rule.maxBytes !== undefined && Buffer.byteLength(value, 'utf8') > rule.maxBytes)
    return `must be at most ${rule.maxBytes} UTF-8 bytes`;
  if (!rule.oneOf) return undefined;
  const comparable = rule.ignoreCase ? value.toLowerCase() : value;
  return rule.oneOf.includes(comparable) ? undefined : `must be one of ${rule.oneOf.join(', ')}`;
}

function fail(path: string, problem: string): never {
  throw new DomainError('schema_violation', `${path} ${problem}`, { path });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
