import { evaluateSla } from './sla-evaluator';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const at = (minutesFromNow: number) => new Date(NOW.getTime() + minutesFromNow * 60_000);
const WINDOW = 30;

describe(evaluateSla.name, () => {
  it.each([
    ['requested', 31, 'none'],
    ['requested', 30, 'deadline_risk'],
    ['requested', 15, 'deadline_risk'],
    ['requested', 0.001, 'deadline_risk'],
    ['requested', 0, 'none'],
    ['requested', -0.001, 'escalate'],
    ['requested', -300, 'escalate'],
    ['in_review', -1, 'escalate'],
    ['changes_requested', -1, 'escalate'],
    ['escalated', -1, 'none'],
    ['escalated', 10, 'deadline_risk'],
    ['in_review', 10, 'deadline_risk'],
    ['approved', -1, 'none'],
    ['rejected', 10, 'none'],
    ['overridden', -60, 'none'],
  ] as const)('a %s item due in %d min → %s', (status, minutes, verdict) => {
    expect(evaluateSla({ status, sla_due_at: at(minutes), escalation_count: 0 }, NOW, WINDOW)).toBe(verdict);
  });

  it.each([
    ['in_review', 'none'],
    ['requested', 'escalate'],
    ['changes_requested', 'escalate'],
    ['escalated', 'none'],
  ] as const)(
    'an overdue %s item escalated before → %s (back in the queue it escalates again; a claim holds it)',
    (status, verdict) => {
      expect(evaluateSla({ status, sla_due_at: at(-60), escalation_count: 1 }, NOW, WINDOW)).toBe(verdict);
    },
  );

  it('treats exactly the due time as neither at risk nor overdue', () => {
    expect(evaluateSla({ status: 'requested', sla_due_at: NOW, escalation_count: 0 }, NOW, WINDOW)).toBe('none');
  });

  it('gives no deadline risk with a zero-minute window', () => {
    expect(evaluateSla({ status: 'requested', sla_due_at: at(1), escalation_count: 0 }, NOW, 0)).toBe('none');
  });
});
