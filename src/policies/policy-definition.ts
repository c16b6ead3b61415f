import { z } from 'zod';
import { DomainError } from '../common/error-codes';
import { type BusinessCalendar, isKnownTimeZone, minutesOfDay, WEEKDAYS } from './business-calendar';

/** Priorities as items spell them (SPEC §6.1). */
const PRIORITY_VALUES = ['urgent', 'high', 'normal', 'low'] as const;
export const BREACH_ACTIONS = ['none', 'auto_reject'] as const;
export const ID_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const TEN_YEARS_MINUTES = 10 * 366 * 24 * 60;

/** One step of an escalation chain: where it goes, how long after the previous one, how often. */
export type EscalationLevel = {
  assigned_account_id: string | null;
  assigned_role: string | null;
  delay_minutes: number;
  repeat: number;
};

export type FinalBreach = { action: (typeof BREACH_ACTIONS)[number]; reason: string | null; delay_minutes: number };

/** What a policy does to the items it governs; items keep a copy of the version they were created under. */
export type PolicyRules = {
  sla_minutes: number;
  calendar: BusinessCalendar | null;
  warning_thresholds: number[];
  escalation_levels: EscalationLevel[];
  pause_on_changes_requested: boolean;
  on_final_breach: FinalBreach;
  required_approvals: number;
  separation_of_duties: boolean | null;
};

export type PolicyMatch = { workflow_kind: string | null; template_id: string | null; priority: string | null };

/** A policy as an admin writes it (SPEC §14). */
export type PolicyDefinition = PolicyRules & { name: string; description: string | null; match: PolicyMatch };

const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const int = (min: number, max: number, what = 'an integer') =>
  z
    .number({ error: `must be ${what} between ${min} and ${max}` })
    .int(`must be ${what} between ${min} and ${max}`)
    .min(min, `must be ${what} between ${min} and ${max}`)
    .max(max, `must be ${what} between ${min} and ${max}`);
const hhmm = z.string().refine((v) => minutesOfDay(v) !== undefined, 'must be a time HH:MM between 00:00 and 24:00');
const isoDate = z
  .string()
  .refine(
    (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
    'must be a date YYYY-MM-DD',
  );

const calendarSchema = z
  .strictObject({
    time_zone: z.string().refine(isKnownTimeZone, 'must be an IANA time zone, e.g. Europe/Berlin'),
    working_days: z
      .array(z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(', ')}` }))
      .min(1, 'must name at least one day')
      .max(7)
      .refine((days) => new Set(days).size === days.length, 'must not repeat a day'),
    working_hours: z
      .array(z.strictObject({ start: hhmm, end: hhmm }))
      .min(1, 'must have at least one interval')
      .max(12),
    holidays: z.array(isoDate).max(1000).default([]),
  })
  .superRefine((cal, ctx) => {
    const spans = cal.working_hours.map((h, i) => ({ i, start: minutesOfDay(h.start), end: minutesOfDay(h.end) }));
    for (const s of spans) {
      if (s.start !== undefined && s.end !== undefined && s.start >= s.end) {
        ctx.addIssue({ code: 'custom', path: ['working_hours', s.i], message: 'must end after it starts' });
      }
    }
    const valid = spans.filter((s) => s.start !== undefined && s.end !== undefined && s.start < s.end);
    valid.sort((a, b) => (a.start as number) - (b.start as number));
    for (let k = 1; k < valid.length; k++) {
      if ((valid[k].start as number) < (valid[k - 1].end as number)) {
        ctx.addIssue({
          code: 'custom',
          path: ['working_hours', valid[k].i],
          message: `overlaps working_hours[${valid[k - 1].i}]`,
        });
      }
    }
  });

const levelSchema = z
  .strictObject({
    assigned_account_id: text(200).nullable().optional(),
    assigned_role: text(200).nullable().optional(),
    delay_minutes: int(0, TEN_YEARS_MINUTES).default(0),
    repeat: int(0, 10).default(0),
  })
  .refine((l) => Boolean(l.assigned_account_id || l.assigned_role), {
    message: 'needs a target: assigned_account_id and/or assigned_role',
  });

const breachSchema = z
  .strictObject({
    action: z.enum(BREACH_ACTIONS, { error: `must be one of ${BREACH_ACTIONS.join(', ')}` }),
    reason: text(2000).nullable().optional(),
    delay_minutes: int(0, TEN_YEARS_MINUTES).default(0),
  })
  .refine((b) => b.action !== 'auto_reject' || Boolean(b.reason), {
    message: 'auto_reject needs a reason',
    path: ['reason'],
  });

const matchSchema = z.strictObject({
  workflow_kind: text(200).nullable().optional(),
  template_id: text(200).nullable().optional(),
  priority: z
    .enum(PRIORITY_VALUES, { error: `must be one of ${PRIORITY_VALUES.join(', ')}` })
    .nullable()
    .optional(),
});

const definitionSchema = z.strictObject({
  name: text(200),
  description: z.string().max(2000, 'must be at most 2000 characters').nullable().optional(),
  match: matchSchema.default({}),
  sla_minutes: int(1, TEN_YEARS_MINUTES),
  calendar: calendarSchema.nullable().optional(),
  warning_thresholds: z
    .array(int(1, 99, 'a percentage'))
    .max(10)
    .refine((t) => new Set(t).size === t.length, 'must not repeat a percentage')
    .default([]),
  escalation_levels: z.array(levelSchema).max(10).default([]),
  pause_on_changes_requested: z.boolean({ error: 'must be true or false' }).default(false),
  on_final_breach: breachSchema.default({ action: 'none', delay_minutes: 0 }),
  required_approvals: int(1, 10).default(1),
  separation_of_duties: z.boolean({ error: 'must be true or false' }).nullable().optional(),
});

/** The body of a create (with an optional policy_id) or an update (without). */
const createSchema = definitionSchema.extend({
  policy_id: z.string().regex(ID_PATTERN, 'must be 1-64 of a-z, 0-9, _ . - starting with a letter or digit').optional(),
});

/** Checks a request body; every problem is named in one 400 `invalid_argument`. */
export function parsePolicyBody(body: unknown, creating: boolean): PolicyDefinition & { policy_id?: string } {
  const result = (creating ? createSchema : definitionSchema).safeParse(body ?? {});
  if (!result.success) throw invalidArgument(result.error);
  const d = result.data;
  return {
    ...('policy_id' in d && typeof d.policy_id === 'string' ? { policy_id: d.policy_id } : {}),
    name: d.name,
    description: d.description ?? null,
    match: {
      workflow_kind: d.match.workflow_kind ?? null,
      template_id: d.match.template_id ?? null,
      priority: d.match.priority ?? null,
    },
    sla_minutes: d.sla_minutes,
    calendar: d.calendar ?? null,
    warning_thresholds: [...d.warning_thresholds].sort((a, b) => a - b),
    escalation_levels: d.escalation_levels.map((l) => ({
      assigned_account_id: l.assigned_account_id ?? null,
      assigned_role: l.assigned_role ?? null,
      delay_minutes: l.delay_minutes,
      repeat: l.repeat,
    })),
    pause_on_changes_requested: d.pause_on_changes_requested,
    on_final_breach: {
      action: d.on_final_breach.action,
      reason: d.on_final_breach.reason ?? null,
      delay_minutes: d.on_final_breach.delay_minutes,
    },
    required_approvals: d.required_approvals,
    separation_of_duties: d.separation_of_duties ?? null,
  };
}

/** `calendar.working_hours[1]: overlaps working_hours[0]; sla_minutes: …` with the paths in details. */
export function invalidArgument(error: z.ZodError): DomainError {
  const problems = error.issues.map((issue) => {
    const path = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
    return { path: path || '$', message };
  });
  return new DomainError('invalid_argument', problems.map((p) => `${p.path}: ${p.message}`).join('; '), {
    fields: problems.map((p) => p.path),
  });
}

/** The parts an item keeps a copy of. */
export function rulesOf(definition: PolicyDefinition): PolicyRules {
  const { name: _name, description: _description, match: _match, ...rules } = definition;
  return rules;
}

/** What an item offers for matching (SPEC §14). */
export type MatchTarget = { workflow_kind: string; template_id: string | null; priority: string };

/** How many of its fields a policy sets: a policy that sets more is more specific. */
export function specificity(match: PolicyMatch): number {
  return [match.workflow_kind, match.template_id, match.priority].filter((v) => v !== null).length;
}

export function matches(match: PolicyMatch, target: MatchTarget): boolean {
  return (
    (match.workflow_kind === null || match.workflow_kind === target.workflow_kind) &&
    (match.template_id === null || match.template_id === target.template_id) &&
    (match.priority === null || match.priority === target.priority)
  );
}

/**
 * The policy an item is created under: among the active policies whose every set field equals the
 * item's, the one that sets the most fields; on a tie the one whose current version is newest,
 * then the smallest policy_id (so the choice never depends on read order).
 */
export function selectPolicy<P extends { policy_id: string; created_at: Date; definition: PolicyDefinition }>(
  policies: P[],
  target: MatchTarget,
): P | undefined {
  return policies
    .filter((p) => matches(p.definition.match, target))
    .sort(
      (a, b) =>
        specificity(b.definition.match) - specificity(a.definition.match) ||
        b.created_at.getTime() - a.created_at.getTime() ||
        a.policy_id.localeCompare(b.policy_id),
    )[0];
}
