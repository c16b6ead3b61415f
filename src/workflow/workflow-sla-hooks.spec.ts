import { noChanges } from './workflow-changes';
import type { WorkflowItem } from './workflow-item';
import { WorkflowSlaHooks } from './workflow-sla-hooks';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const item = { workflow_id: 'wf-1' } as WorkflowItem;

describe(WorkflowSlaHooks.name, () => {
  it('hands each item change to the registered SLA rules, with the changes and the time', () => {
    const hooks = new WorkflowSlaHooks();
    const seen: unknown[][] = [];
    hooks.register((...args) => void seen.push(args));
    const changes = noChanges();
    hooks.stage(changes, item, NOW);
    expect(seen).toEqual([[changes, item, NOW]]);
  });

  it('refuses to stage when no SLA rules are registered, instead of writing the item without them', () => {
    expect(() => new WorkflowSlaHooks().stage(noChanges(), item, NOW)).toThrow(/SlaModule/);
  });
});
