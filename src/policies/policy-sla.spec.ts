import { DomainError } from '../common/error-codes';
import { parsePolicyBody, type PolicyRules, rulesOf, selectPolicy } from './policy-definition';
import { evaluatePolicySla, finalBreachTime, policyDueAt, resumedDueAt, stepTimes } from './policy-sla';

const MIN = 60_000;
const rules: PolicyRules = rulesOf(
  parsePolicyBody(
    {
      name: 'Berlin desk',
      sla_minutes: 240,
      calendar: {
        time_zone: 'Europe/Berlin',
        working_days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        working_hours: [{ start: '09:00', end: '17:00' }],
      },
      warning_thresholds: [90, 50, 75],
      escalation_levels: [
        { assigned_role: 'lead', delay_minutes: 0, repeat: 1 },
        { assigned_account_id: 'head-of-ops', delay_minutes: 30 },
      ],
      on_final_breach: { action: 'auto_reject', reason: 'No decision in time', delay_minutes: 60 },
    },
    true,
  ),
);
const requested = new Date('2026-11-27T15:00:00Z'); // Friday 16:00 Berlin
const due = policyDueAt(requested, rules); // Monday 12:00 Berlin = 11:00Z
const clock = (over: Partial<Parameters<typeof evaluatePolicySla>[0]> = {}) => ({
  status: 'requested',
  sla_due_at: due,
  escalation_count: 0,
  sla_paused_at: null,
  sla_warnings_sent: 0,
  sla_escalation_step: 0,
  ...over,
});

describe('policy SLA evaluation (SPEC §14)', () => {
  it('counts the SLA over the calendar', () => {
    expect(due.toISOString()).toBe('2026-11-30T11:00:00.000Z');
  });

  it('warns at each threshold once, in order, and says when the next one is due', () => {
    // 50 % = 2 h of work = Monday 10:00 Berlin (09:00Z); 75 % = 11:00 (10:00Z); 90 % = 11:36 (10:36Z).
    const before = evaluatePolicySla(clock(), rules, new Date('2026-11-30T08:59:00Z'));
    expect(before).toMatchObject({ warnings: [], warningsSent: 0, nextCheckAt: new Date('2026-11-30T09:00:00Z') });
    const atHalf = evaluatePolicySla(clock(), rules, new Date('2026-11-30T09:00:00Z'));
    expect(atHalf).toMatchObject({ warnings: [50], warningsSent: 1, nextCheckAt: new Date('2026-11-30T10:00:00Z') });
    const late = evaluatePolicySla(clock({ sla_warnings_sent: 1 }), rules, new Date('2026-11-30T10:40:00Z'));
    expect(late).toMatchObject({ warnings: [75, 90], warningsSent: 3, escalation: null });
    expect(late.nextCheckAt).toEqual(new Date(due.getTime() + 1));
  });

  it('walks the escalation chain: level 1 twice (repeat 1), then level 2 after its delay, then the breach', () => {
    expect(stepTimes(due, rules)).toEqual([due.getTime(), due.getTime(), due.getTime() + 30 * MIN]);
    const first = evaluatePolicySla(clock({ sla_warnings_sent: 3 }), rules, new Date(due.getTime() + MIN));
    expect(first.escalation).toMatchObject({ step: 2, levelIndex: 0, level: { assigned_role: 'lead' } });
    expect(first.nextCheckAt).toEqual(new Date(due.getTime() + 30 * MIN + 1));
    const second = evaluatePolicySla(
      clock({ status: 'escalated', escalation_count: 1, sla_escalation_step: 2 }),
      rules,
      new Date(due.getTime() + 31 * MIN),
    );
    expect(second.escalation).toMatchObject({ step: 3, levelIndex: 1, level: { assigned_account_id: 'head-of-ops' } });
    expect(second.nextCheckAt).toEqual(new Date(finalBreachTime(due, rules) + 1));
    const breach = evaluatePolicySla(
      clock({ status: 'escalated', escalation_count: 2, sla_escalation_step: 3 }),
      rules,
      new Date(due.getTime() + 91 * MIN),
    );
    expect(breach).toMatchObject({ breach: true, escalation: null, nextCheckAt: null });
  });

  it('lets a claim hold the chain after the first escalation, and does nothing while paused or decided', () => {
    const held = evaluatePolicySla(
      clock({ status: 'in_review', escalation_count: 1, sla_escalation_step: 2 }),
      rules,
      new Date(due.getTime() + 40 * MIN),
    );
    expect(held.escalation).toBeNull();
    const paused = evaluatePolicySla(clock({ sla_paused_at: requested }), rules, new Date(due.getTime() + 999 * MIN));
    expect(paused).toMatchObject({ warnings: [], escalation: null, breach: false, nextCheckAt: null });
    expect(
      evaluatePolicySla(clock({ status: 'approved' }), rules, new Date(due.getTime() + MIN)).nextCheckAt,
    ).toBeNull();
  });

  it('moves the due time by the working time paused', () => {
    // Paused Monday 09:00-10:30 Berlin: 90 working minutes → due Monday 13:30 Berlin.
    const moved = resumedDueAt(due, new Date('2026-11-30T08:00:00Z'), new Date('2026-11-30T09:30:00Z'), rules);
    expect(moved.toISOString()).toBe('2026-11-30T12:30:00.000Z');
  });
});

describe('policy bodies and matching (SPEC §14)', () => {
  const base = { name: 'p', sla_minutes: 60 };
  const problem = (body: Record<string, unknown>) => {
    try {
      parsePolicyBody(body, true);
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe('invalid_argument');
      return (e as DomainError).message;
    }
    throw new Error('accepted');
  };
  const cal = { time_zone: 'Europe/Berlin', working_days: ['mon'], working_hours: [{ start: '09:00', end: '17:00' }] };

  it.each([
    [{ ...base, calendar: { ...cal, time_zone: 'Europe/Atlantis' } }, 'calendar.time_zone: must be an IANA time zone'],
    [
      {
        ...base,
        calendar: {
          ...cal,
          working_hours: [
            { start: '09:00', end: '13:00' },
            { start: '12:00', end: '17:00' },
          ],
        },
      },
      'calendar.working_hours[1]: overlaps working_hours[0]',
    ],
    [{ ...base, calendar: { ...cal, holidays: ['2026-02-30'] } }, 'calendar.holidays[0]: must be a date YYYY-MM-DD'],
    [{ ...base, calendar: { ...cal, working_days: ['monday'] } }, 'calendar.working_days[0]: must be one of mon'],
    [{ ...base, escalation_levels: [{ delay_minutes: 5 }] }, 'escalation_levels[0]: needs a target'],
    [{ ...base, warning_thresholds: [0] }, 'warning_thresholds[0]: must be a percentage between 1 and 99'],
    [{ ...base, warning_thresholds: [100] }, 'warning_thresholds[0]: must be a percentage between 1 and 99'],
    [{ ...base, required_approvals: 11 }, 'required_approvals: must be an integer between 1 and 10'],
    [{ ...base, on_final_breach: { action: 'auto_reject' } }, 'on_final_breach.reason: auto_reject needs a reason'],
    [{ ...base, colour: 'red' }, 'unknown field(s) colour'],
    [{ name: 'p' }, 'sla_minutes: must be an integer between 1 and'],
  ])('refuses %j: %s', (body, message) => {
    expect(problem(body)).toContain(message);
  });

  it('picks the most specific matching policy, then the newest', () => {
    const policy = (policy_id: string, match: Record<string, string>, created: string) => ({
      policy_id,
      created_at: new Date(created),
      definition: parsePolicyBody({ ...base, match }, true),
    });
    const all = [
      policy('any', {}, '2026-01-03'),
      policy('kind', { workflow_kind: 'exception_review' }, '2026-01-01'),
      policy('kind-urgent', { workflow_kind: 'exception_review', priority: 'urgent' }, '2026-01-01'),
      policy('kind-newer', { workflow_kind: 'exception_review' }, '2026-01-02'),
      policy('template', { template_id: 'incident_triage' }, '2026-01-01'),
    ];
    const pick = (t: { workflow_kind: string; template_id: string | null; priority: string }) =>
      selectPolicy(all, t)?.policy_id;
    expect(pick({ workflow_kind: 'exception_review', template_id: null, priority: 'urgent' })).toBe('kind-urgent');
    expect(pick({ workflow_kind: 'exception_review', template_id: null, priority: 'high' })).toBe('kind-newer');
    expect(pick({ workflow_kind: 'incident_review', template_id: 'incident_triage', priority: 'high' })).toBe(
      'template',
    );
    expect(pick({ workflow_kind: 'incident_review', template_id: null, priority: 'low' })).toBe('any');
  });
});
