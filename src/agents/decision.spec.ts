import { decisionOf, isSettled } from './decision';
import type { WorkflowItem } from '../workflow/workflow-item';

const anItem = (overrides: Partial<WorkflowItem>) =>
  ({
    workflow_id: 't:exception:ex-1',
    status: 'requested',
    current_decision: null,
    current_reason: null,
    resolved_at: null,
    version: 3,
    ...overrides,
  }) as WorkflowItem;

describe(decisionOf.name, () => {
  it('describes a decided item with who decided and when', () => {
    const at = new Date('2026-12-07T10:00:00.000Z');
    const item = anItem({
      status: 'overridden',
      current_decision: 'override_approved',
      current_reason: 'ok',
      resolved_at: at,
    });
    expect(decisionOf(item, 'dev-admin')).toEqual({
      workflow_id: 't:exception:ex-1',
      status: 'overridden',
      decided: true,
      decision: 'override_approved',
      reason: 'ok',
      decided_by: 'dev-admin',
      decided_at: '2026-12-07T10:00:00.000Z',
      changes_requested: false,
      version: 3,
    });
  });

  it('gives the change request’s reason and no decision while changes are requested', () => {
    const item = anItem({ status: 'changes_requested', current_reason: 'Attach the invoice' });
    expect(decisionOf(item, 'x')).toMatchObject({
      decided: false,
      decision: null,
      reason: 'Attach the invoice',
      decided_by: null,
      changes_requested: true,
    });
  });

  it.each([
    ['requested', false],
    ['in_review', false],
    ['escalated', false],
    ['changes_requested', true],
    ['approved', true],
    ['rejected', true],
    ['overridden', true],
  ] as const)('treats %s as settled: %s', (status, settled) => {
    expect(isSettled({ status })).toBe(settled);
  });
});
