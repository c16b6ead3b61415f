import { addBusinessMinutes, businessMinutesBetween, subtractBusinessMinutes } from './business-calendar';
import type { EscalationLevel, PolicyRules } from './policy-definition';

const MINUTE_MS = 60_000;
const OPEN = new Set(['requested', 'in_review', 'changes_requested', 'escalated']);

/** The SLA state of an item governed by a policy (SPEC §14). */
export type PolicyClock = {
  status: string;
  sla_due_at: Date;
  escalation_count: number;
  sla_paused_at: Date | null;
  sla_warnings_sent: number;
  sla_escalation_step: number;
};

/** What is due at `now`, and when to look again. */
export type PolicyVerdict = {
  /** Percentages whose deadline_risk notice is due now, in order. */
  warnings: number[];
  warningsSent: number;
  /** The escalation step to move to (1-based count of steps fired) and its level. */
  escalation: { step: number; levelIndex: number; level: EscalationLevel } | null;
  breach: boolean;
  nextCheckAt: Date | null;
};

/** The chain as steps: each level once, then `repeat` more times, each after its delay. */
export function escalationSteps(rules: PolicyRules): { levelIndex: number; delayMs: number }[] {
  return rules.escalation_levels.flatMap((level, levelIndex) =>
    Array.from({ length: 1 + level.repeat }, () => ({ levelIndex, delayMs: level.delay_minutes * MINUTE_MS })),
  );
}

/** When step `k` (0-based) fires: the due time plus the delays of steps 0..k (wall-clock time). */
export function stepTimes(due: Date, rules: PolicyRules): number[] {
  let at = due.getTime();
  return escalationSteps(rules).map((s) => (at += s.delayMs));
}

/** Final breach: after the last step (or the due time without a chain), plus its own delay. */
export function finalBreachTime(due: Date, rules: PolicyRules): number {
  const times = stepTimes(due, rules);
  return (times.length ? times[times.length - 1] : due.getTime()) + rules.on_final_breach.delay_minutes * MINUTE_MS;
}

/** When the notice for `percent` % of the SLA is due: that share of the working time elapsed. */
export function warningTime(due: Date, rules: PolicyRules, percent: number): Date {
  return subtractBusinessMinutes(due, (rules.sla_minutes * (100 - percent)) / 100, rules.calendar);
}

/** The due time of an item requested at `requestedAt`: the SLA counted over the calendar. */
export function policyDueAt(requestedAt: Date, rules: PolicyRules): Date {
  return addBusinessMinutes(requestedAt, rules.sla_minutes, rules.calendar);
}

/** The due time after a pause from `pausedAt` to `now`: later by the working time paused. */
export function resumedDueAt(due: Date, pausedAt: Date, now: Date, rules: PolicyRules): Date {
  return addBusinessMinutes(due, businessMinutesBetween(pausedAt, now, rules.calendar), rules.calendar);
}

/**
 * What SPEC §14 asks of a policy item at `now`. Nothing runs on a decided item or a paused clock.
 * Warnings: each threshold crossed before the due time, once. Escalation: the chain's steps past
 * their time fire as one escalation to the latest level (an item held by a claim after its first
 * escalation waits, like §7's). Final breach: past the breach time, whatever the status.
 */
export function evaluatePolicySla(item: PolicyClock, rules: PolicyRules, now: Date): PolicyVerdict {
  const none: PolicyVerdict = {
    warnings: [],
    warningsSent: item.sla_warnings_sent,
    escalation: null,
    breach: false,
    nextCheckAt: null,
  };
  if (!OPEN.has(item.status) || item.sla_paused_at) return none;
  const t = now.getTime();
  const due = item.sla_due_at;
  const candidates: number[] = [];

  const warnings: number[] = [];
  let warningsSent = item.sla_warnings_sent;
  const thresholds = rules.warning_thresholds;
  if (t >= due.getTime()) warningsSent = Math.max(warningsSent, thresholds.length);
  while (warningsSent < thresholds.length) {
    const at = warningTime(due, rules, thresholds[warningsSent]).getTime();
    if (at > t) {
      candidates.push(at);
      break;
    }
    warnings.push(thresholds[warningsSent]);
    warningsSent += 1;
  }

  let escalation: PolicyVerdict['escalation'] = null;
  const holds = item.status === 'in_review' && item.escalation_count > 0;
  if (!holds) {
    const times = stepTimes(due, rules);
    const reached = times.filter((at) => at < t).length;
    if (reached > item.sla_escalation_step) {
      const levelIndex = escalationSteps(rules)[reached - 1].levelIndex;
      escalation = { step: reached, levelIndex, level: rules.escalation_levels[levelIndex] };
    }
    if (reached < times.length) candidates.push(times[reached] + 1);
  }

  let breach = false;
  if (rules.on_final_breach.action !== 'none') {
    const at = finalBreachTime(due, rules);
    if (at < t) breach = true;
    else candidates.push(at + 1);
  }

  const nextCheckAt = breach || !candidates.length ? null : new Date(Math.min(...candidates));
  return { warnings, warningsSent, escalation, breach, nextCheckAt };
}
