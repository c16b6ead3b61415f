import { WORKFLOW_STATUSES, type WorkflowStatus } from './workflow-status';
import { SYSTEM_INPUTS, SYSTEM_TRANSITIONS, type SystemInput, systemTransition } from './workflow-system-transitions';

const SAME = 'unchanged';
/** The expected table, written out in full so that every pair is reviewed (SPEC §6.1, §7). */
const EXPECTED: Record<WorkflowStatus, Record<SystemInput, WorkflowStatus | typeof SAME>> = {
  // prettier-ignore
  requested: { requested_again: 'requested', approval_recorded: 'approved', rejection_recorded: 'rejected', override_recorded: 'overridden', sla_breach: 'escalated' },
  // prettier-ignore
  in_review: { requested_again: 'requested', approval_recorded: 'approved', rejection_recorded: 'rejected', override_recorded: 'overridden', sla_breach: 'escalated' },
  // prettier-ignore
  changes_requested: { requested_again: 'requested', approval_recorded: 'approved', rejection_recorded: 'rejected', override_recorded: 'overridden', sla_breach: 'escalated' },
  // prettier-ignore
  escalated: { requested_again: 'requested', approval_recorded: 'approved', rejection_recorded: 'rejected', override_recorded: 'overridden', sla_breach: SAME },
  // prettier-ignore
  approved: { requested_again: SAME, approval_recorded: 'approved', rejection_recorded: 'rejected', override_recorded: 'overridden', sla_breach: SAME },
  // prettier-ignore
  rejected: { requested_again: SAME, approval_recorded: 'approved', rejection_recorded: 'rejected', override_recorded: 'overridden', sla_breach: SAME },
  // prettier-ignore
  overridden: { requested_again: SAME, approval_recorded: 'approved', rejection_recorded: 'rejected', override_recorded: 'overridden', sla_breach: SAME },
};

const PAIRS = WORKFLOW_STATUSES.flatMap((status) => SYSTEM_INPUTS.map((input) => ({ status, input })));

describe(systemTransition.name, () => {
  it('has a row for every status and a column for every input', () => {
    expect(Object.keys(SYSTEM_TRANSITIONS).sort()).toEqual([...WORKFLOW_STATUSES].sort());
    for (const status of WORKFLOW_STATUSES)
      expect(Object.keys(SYSTEM_TRANSITIONS[status]).sort()).toEqual([...SYSTEM_INPUTS].sort());
  });

  it.each(PAIRS)('$input on a $status item', ({ status, input }) => {
    const expected = EXPECTED[status][input];
    expect(SYSTEM_TRANSITIONS[status][input]).toBe(expected);
    expect(systemTransition(status, input)).toBe(expected === SAME ? status : expected);
  });
});
