/**
 * Module arrows (docs/architecture.md): an arrow A → B means "code in A may import B".
 *
 *   foundation: common, config, database, auth   — imported by everyone, import no feature
 *                                                  (database holds the low-level trace locks, TraceLocks)
 *   observability (metrics, health, shutdown)      — usable by every feature, imports no feature
 *   ingestion                                      — the event log; reaches workflow only through
 *                                                    its append hooks (the registry workflow fills)
 *   notifications                                  — imported by workflow, never the reverse
 *   workflow → ingestion, notifications
 *   sla → workflow
 *   audit-export → ingestion, workflow, notifications (it reads; nothing imports it)
 *   cli, app.module, main                          — the composition roots; nothing imports cli
 *
 * `npm run depcruise` checks src/, test/ and bench/ with --ignore-known against
 * .dependency-cruiser-known-violations.json (`npm run depcruise:baseline` rewrites it). That
 * baseline is empty and stays so: every rule holds without exception. Workflow meets the SLA rules
 * through the hook it defines (workflow-sla-hooks.ts, filled by SlaModule), not by import.
 */
const FEATURES = 'src/(ingestion|workflow|notifications|sla|audit-export)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules import one another one way only.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-not-to-test',
      comment: 'Production code never imports tests or benchmarks (unit specs beside it may use test factories).',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-cli',
      comment: 'The command-line entry is a composition root: nothing but its tests imports it.',
      severity: 'error',
      from: { pathNot: '^(src/cli/|test/)' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'foundation-not-to-features',
      comment: 'common, config, database and auth are the ground floor: they import no feature module.',
      severity: 'error',
      from: { path: '^src/(common|config|database|auth)/' },
      to: { path: FEATURES },
    },
    {
      name: 'observability-not-to-features',
      comment: 'Every feature imports observability (metrics); observability imports no feature.',
      severity: 'error',
      from: { path: '^src/observability/' },
      to: { path: FEATURES },
    },
    {
      name: 'ingestion-not-to-later-modules',
      comment: 'The append calls workflow through the hooks ingestion defines (append-hooks.ts), not by import.',
      severity: 'error',
      from: { path: '^src/ingestion/' },
      to: { path: 'src/(workflow|notifications|sla|audit-export)/' },
    },
    {
      name: 'notifications-not-to-workflow',
      comment: 'workflow → notifications: notifications imports neither workflow nor what uses it.',
      severity: 'error',
      from: { path: '^src/notifications/' },
      to: { path: 'src/(workflow|sla|audit-export)/' },
    },
    {
      name: 'workflow-not-to-sla',
      comment: 'sla → workflow: the SLA sweep calls workflow, workflow does not import sla.',
      severity: 'error',
      from: { path: '^src/workflow/' },
      to: { path: 'src/(sla|audit-export)/' },
    },
    {
      name: 'sla-not-to-export',
      comment: 'audit-export reads the other modules; none of them imports it.',
      severity: 'error',
      from: { path: '^src/sla/' },
      to: { path: 'src/audit-export/' },
    },
    {
      name: 'src-not-to-dev-dependencies',
      comment: 'The image installs production dependencies only (npm ci --omit=dev).',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.spec\\.ts$' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to no file is a typo or a missing dependency.',
      severity: 'error',
      from: { pathNot: '^bench/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Generated code: the Prisma client and the OpenAPI client types.
    exclude: { path: '^(src/generated/|dist/|test/client/openapi-schema\\.d\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js', '.cjs', '.mjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
