import type { NestExpressApplication } from '@nestjs/platform-express';
import { seedDemoInto } from '../../src/cli/seed-demo.command';
import { apiAs, GENEROUS_LIMITS } from '../setup/api-client';
import { closeApp, createTestApp, uniqueTenant } from '../setup/test-app';

describe('demo dataset (SPEC §10)', () => {
  let app: NestExpressApplication;
  beforeAll(async () => {
    app = await createTestApp({ env: GENEROUS_LIMITS });
  });
  afterAll(() => closeApp(app));

  it('yields the same inbox when seeded twice: two open escalated items, one approved, one rejected', async () => {
    const tenant = uniqueTenant('release-demo');
    const first = await seedDemoInto(app, tenant);
    const api = apiAs(app, tenant);
    const inbox = async () => (await api.get('/api/v1/workflows?only_open=false&limit=200').expect(200)).body.data;
    const before = await inbox();
    const second = await seedDemoInto(app, tenant);
    const after = await inbox();
    expect(second).toEqual(first);
    expect(after.items).toEqual(before.items);
    expect(first).toMatchObject({
      total_count: 4,
      open_count: 2,
      escalated_count: 2,
      approved_count: 1,
      rejected_count: 1,
    });
    const byId = Object.fromEntries(
      after.items.map((i: { workflow_id: string; status: string }) => [i.workflow_id, i.status]),
    );
    expect(byId).toEqual({
      'renewal-initech:exception:ex-initech-terms': 'escalated',
      'incident-globex:trace_review:incident_triage': 'escalated',
      'renewal-acme:exception:ex-acme-discount': 'approved',
      'incident-globex:exception:ex-globex-credit': 'rejected',
    });
    const notes = (await api.get('/api/v1/notifications?limit=200').expect(200)).body.data.notifications;
    expect(notes.map((n: { category: string }) => n.category).sort()).toEqual(
      [
        'approval',
        'approval',
        'assignment',
        'assignment',
        'assignment',
        'assignment',
        'escalation',
        'escalation',
        'escalation',
        'escalation',
      ].sort(),
    );
    // Every exception was requested in the past, so each escalated while it waited: the agent asks
    // and the reviewer decides in appends of their own (SPEC §11.3), so the decided two were open
    // and overdue in between. The review escalated when it was requested.
    const escalated = notes
      .filter((n: { category: string }) => n.category === 'escalation')
      .map((n: { workflow_id: string }) => n.workflow_id);
    expect(escalated.sort()).toEqual([
      'incident-globex:exception:ex-globex-credit',
      'incident-globex:trace_review:incident_triage',
      'renewal-acme:exception:ex-acme-discount',
      'renewal-initech:exception:ex-initech-terms',
    ]);
    expect(after.items.filter((i: { escalation_count: number }) => i.escalation_count > 0)).toHaveLength(4);
  });
});
