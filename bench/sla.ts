// SLA sweep benchmark (issue 5): how long SlaSweepService takes to handle the due items of a tenant,
// with 1k due among 10k open items, 1k due among 100k open items (SPEC §7: the cost follows the
// due items, not the open ones) and 10k due among 100k; and the first two again with every item
// under a tenant workflow policy with a business-hours calendar (SPEC §14). See bench/README.md.
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/sla.ts
//
// The application runs in this process (the sweep has no HTTP route), built with its own
// configuration and a clock the benchmark sets, against a PostgreSQL database this run creates,
// seeded with SQL. BENCH_SCALE (default 1) multiplies the item counts. Build first.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import type { WorkflowStatus } from '../src/workflow/workflow-status';
import { fmt, markdownTable, ms, now, reportHeading, runBenchmark, scaled, Target, verdict } from './lib/harness';
import { SeedSegment, seedItems, settle } from './lib/workflow-seed';

// tsx compiles with esbuild, which emits no decorator metadata, and Nest's injection needs it: the
// application is loaded from the build (dist/), like the service the other benchmarks spawn.
const { AppModule } = require('../dist/app.module') as typeof import('../src/app.module');
const { Clock } = require('../dist/common/clock') as typeof import('../src/common/clock');
const { loadConfig } = require('../dist/config/app-config') as typeof import('../src/config/app-config');
const { SlaSweepService } = require('../dist/sla/sla-sweep.service') as typeof import('../src/sla/sla-sweep.service');

type Scenario = { label: string; open: number; due: number; policy?: boolean };
const SMALL: Scenario = { label: '1k due among 10k open', open: scaled(10_000, 200), due: scaled(1_000, 20) };
const LARGE: Scenario = { label: '1k due among 100k open', open: scaled(100_000, 2_000), due: scaled(1_000, 20) };
/** The same with every item under a calendar policy: the sweep finds them by sla_next_check_at. */
const POLICY_SMALL: Scenario = { ...SMALL, label: `policy: ${SMALL.label}`, policy: true };
const POLICY_LARGE: Scenario = { ...LARGE, label: `policy: ${LARGE.label}`, policy: true };
const MANY_DUE: Scenario = { label: '10k due among 100k open', open: scaled(100_000, 2_000), due: scaled(10_000, 200) };
/** Not reported: the first sweeps of a process pay for loading and JIT-compiling the code paths. */
const WARM_UP: Scenario = { label: 'warm-up', open: scaled(2_000, 200), due: scaled(200, 20) };
/** The two scenarios the goal compares take turns, so that load on the shared machine hits both. */
const RUNS = [SMALL, LARGE, POLICY_SMALL, POLICY_LARGE, SMALL, LARGE, POLICY_SMALL, POLICY_LARGE, MANY_DUE];

/**
 * The rules every item of a policy scenario carries: 4 h over a Berlin calendar open all week
 * round the clock (so the seeded due times stand), warnings at 50/75/90 % (all sent: the seeded
 * items are past them), one escalation level to admin at the due time.
 */
const CALENDAR_POLICY = {
  sla_minutes: 240,
  calendar: {
    time_zone: 'Europe/Berlin',
    working_days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    working_hours: [{ start: '00:00', end: '24:00' }],
    holidays: [],
  },
  warning_thresholds: [50, 75, 90],
  escalation_levels: [{ assigned_account_id: null, assigned_role: 'admin', delay_minutes: 0, repeat: 0 }],
  pause_on_changes_requested: false,
  on_final_breach: { action: 'none', reason: null, delay_minutes: 0 },
  required_approvals: 1,
  separation_of_duties: null,
};

/** Puts every item of the tenant under CALENDAR_POLICY, with the state the sweep would have left. */
async function underPolicy(db: Client, tenant: string): Promise<void> {
  await db.query(
    `UPDATE dg_workflow_items SET workflow_policy_id = 'bench-calendar', workflow_policy_version = 1,
       sla_policy = $2::jsonb, sla_warnings_sent = 3,
       sla_escalation_step = CASE WHEN status = 'escalated' THEN 1 ELSE 0 END,
       sla_next_check_at = CASE WHEN status = 'escalated' THEN NULL ELSE sla_due_at + interval '1 millisecond' END
     WHERE tenant_id = $1`,
    [tenant, JSON.stringify(CALENDAR_POLICY)],
  );
}
const SCHEDULER_OFF = '86400'; // the app's own sweep timer must not fire during a run

/** Open items that are not due: 70% due in 36 min to 4 h (outside the 30-minute warning window), 30% already escalated. */
function notDue(count: number): SeedSegment[] {
  const escalated = Math.round(count * 0.3);
  const waiting = count - escalated;
  return [
    { status: 'escalated', count: escalated, ageHours: [4.5, 720] },
    ...split(waiting, { requested: 0.6, in_review: 0.3, changes_requested: 0.1 }, [0, 1.4]),
  ];
}

/** Due items: past their due time (4 h for exceptions, 2 h for reviews) and escalatable. */
const due = (count: number): SeedSegment[] =>
  split(count, { requested: 0.6, in_review: 0.3, changes_requested: 0.1 }, [4.1, 48]);

function split(
  count: number,
  shares: Partial<Record<WorkflowStatus, number>>,
  ageHours: [number, number],
): SeedSegment[] {
  const entries = Object.entries(shares) as [WorkflowStatus, number][];
  const counts = entries.map(([, share]) => Math.round(count * share));
  counts[0] += count - counts.reduce((a, b) => a + b, 0);
  return entries.map(([status], i) => ({ status, count: counts[i], ageHours }));
}

type Run = { scenario: Scenario; ms: number; passes: number; idleMs: number; escalated: number; discovery: string };

async function sweepRun(
  db: Client,
  sweeps: InstanceType<typeof SlaSweepService>,
  clock: { at: Date },
  scenario: Scenario,
  n: number,
): Promise<Run> {
  const tenant = `bench-sla-${n}`;
  await db.query('TRUNCATE dg_workflow_items, dg_workflow_actions, dg_workflow_notifications');
  const seededAt = new Date();
  await seedItems(db, { tenant, firstIndex: 0, now: seededAt, withActions: true }, [
    ...notDue(scenario.open - scenario.due),
    ...due(scenario.due),
  ]);
  if (scenario.policy) await underPolicy(db, tenant);
  await settle(db);
  clock.at = new Date(seededAt.getTime() + 60_000); // the next tick of the scheduler
  const discovery = await explainDiscovery(db, tenant, clock.at);
  let passes = 0;
  let idleMs: number;
  const started = now();
  for (;;) {
    const t0 = now();
    const result = await sweeps.sweep(clock.at);
    passes += 1;
    if (result.items === 0) {
      idleMs = ms(now() - t0);
      break;
    }
  }
  const elapsed = ms(now() - started);
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM dg_workflow_actions WHERE tenant_id = $1 AND action_type = 'escalate' AND actor->>'actor_id' = 'workflow-sla'`,
    [tenant],
  );
  if (rows[0].n !== scenario.due)
    throw new Error(`${scenario.label}: ${rows[0].n} escalations recorded, wanted ${scenario.due}`);
  return { scenario, ms: elapsed, passes, idleMs, escalated: rows[0].n, discovery };
}

/** The plan of the sweep's per-tenant query (SlaDueRepository.findDueForSweep), before the sweep. */
async function explainDiscovery(db: Client, tenant: string, at: Date): Promise<string> {
  const windowEnd = new Date(at.getTime() + 30 * 60_000);
  const { rows } = await db.query(
    `EXPLAIN (ANALYZE, BUFFERS) SELECT workflow_id, trace_id FROM (
       (SELECT workflow_id, trace_id, sla_due_at AS at FROM dg_workflow_items
        WHERE tenant_id = $1 AND workflow_policy_id IS NULL AND (((status IN ('requested', 'changes_requested')
            OR (status = 'in_review' AND escalation_count = 0)) AND sla_due_at < $2)
          OR (status IN ('requested', 'in_review', 'changes_requested', 'escalated') AND sla_due_at > $2
              AND sla_due_at <= $3 AND deadline_risk_notified_for IS DISTINCT FROM sla_due_at))
        ORDER BY sla_due_at LIMIT 200)
       UNION ALL
       (SELECT workflow_id, trace_id, sla_next_check_at AS at FROM dg_workflow_items
        WHERE tenant_id = $1 AND sla_next_check_at <= $2 ORDER BY sla_next_check_at LIMIT 200)
     ) AS due ORDER BY at LIMIT 200`,
    [tenant, at, windowEnd],
  );
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

function report(target: Target, runs: Run[]): string {
  const mean = (s: Scenario) => {
    const mine = runs.filter((r) => r.scenario === s);
    return mine.reduce((t, r) => t + r.ms, 0) / mine.length;
  };
  const ratio = mean(LARGE) / mean(SMALL);
  const policyRatio = mean(POLICY_LARGE) / mean(POLICY_SMALL);
  const largest = runs[runs.length - 1];
  const policyRun = runs.filter((r) => r.scenario === POLICY_LARGE).pop() as Run;
  return [
    reportHeading('SLA sweep benchmark', target),
    'each run: a fresh tenant in emptied tables, seeded with SQL; sweeps at seeding time + 1 min until a pass handles nothing (200 items per tenant per pass)',
    '',
    markdownTable(
      [
        'scenario',
        'open items',
        'due items',
        'sweep time (all due items)',
        'passes',
        'per due item',
        'idle pass (nothing due)',
        'escalations recorded',
      ],
      runs.map((r) => [
        r.scenario.label,
        fmt(r.scenario.open),
        fmt(r.scenario.due),
        `${fmt(r.ms)} ms`,
        String(r.passes),
        `${fmt(r.ms / r.scenario.due, 2)} ms`,
        `${fmt(r.idleMs, 1)} ms`,
        fmt(r.escalated),
      ]),
    ),
    '',
    `${LARGE.label} / ${SMALL.label} (mean of the runs): ${fmt(ratio, 2)}× — goal ≤ 1.5×: ${verdict(ratio <= 1.5)}`,
    `${POLICY_LARGE.label} / ${POLICY_SMALL.label} (mean of the runs): ${fmt(policyRatio, 2)}× — goal ≤ 1.5×: ${verdict(policyRatio <= 1.5)}`,
    `${POLICY_LARGE.label} / ${LARGE.label} (policy cost against the defaults): ${fmt(mean(POLICY_LARGE) / mean(LARGE), 2)}×`,
    '',
    `EXPLAIN (ANALYZE, BUFFERS) of the sweep's query before the last ${POLICY_LARGE.label} run:`,
    '',
    policyRun.discovery,
    '',
    `EXPLAIN (ANALYZE, BUFFERS) of the sweep's query before the last run (${largest.scenario.label}):`,
    '',
    largest.discovery,
  ].join('\n');
}

runBenchmark({ script: 'sla.ts', databasePrefix: 'dg_bench_sla', embeddedAllowed: false }, async (target, scope) => {
  const clock = { at: new Date() };
  Logger.overrideLogger(['error', 'warn']);
  const config = loadConfig({
    ...target.serviceEnv,
    NODE_ENV: 'development',
    DG_SLA_SWEEP_INTERVAL_SECONDS: SCHEDULER_OFF,
    DG_WEBHOOK_DELIVERY_ENABLED: 'false',
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.register(config)] })
    .overrideProvider(Clock)
    .useValue({ now: () => clock.at })
    .compile();
  scope.onExit(() => moduleRef.close());
  await moduleRef.init();
  const db = new Client({ connectionString: target.databaseUrl });
  await db.connect();
  scope.onExit(() => db.end());
  const sweeps = moduleRef.get(SlaSweepService);
  await sweepRun(db, sweeps, clock, WARM_UP, 0);
  const runs: Run[] = [];
  for (const [n, scenario] of RUNS.entries()) runs.push(await sweepRun(db, sweeps, clock, scenario, n + 1));
  return report(target, runs);
});
