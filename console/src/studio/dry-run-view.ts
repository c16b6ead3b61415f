import type { DryRun } from '../api/client';

/**
 * The dry run's draft, simulation and precedents are free-form objects in the API document
 * (SPEC §6.5 names their members); these readers take what is there, checked at run time.
 */
type Loose = Record<string, unknown>;

const text = (o: Loose, key: string): string | null => (typeof o[key] === 'string' ? (o[key] as string) : null);
const num = (o: Loose, key: string): number | null => (typeof o[key] === 'number' ? (o[key] as number) : null);

export type SimulationView = { riskSignals: string[]; priority: string | null; recommendedReason: string | null };
export type PrecedentView = {
  traceId: string;
  title: string | null;
  outcome: string | null;
  finishedAt: string | null;
};
export type DraftView = {
  workflowId: string | null;
  title: string | null;
  priority: string | null;
  slaHours: number | null;
  assignedRole: string | null;
  kind: string | null;
};
export type ExistingView = { workflowId: string; status: string | null };

export function simulationOf(run: DryRun): SimulationView {
  const s = run.simulation as Loose;
  const signals = Array.isArray(s.risk_signals) ? s.risk_signals.filter((x): x is string => typeof x === 'string') : [];
  return { riskSignals: signals, priority: text(s, 'priority'), recommendedReason: text(s, 'recommended_reason') };
}

export function precedentsOf(run: DryRun): PrecedentView[] {
  return (run.precedent_preview as Loose[]).flatMap((p) => {
    const traceId = text(p, 'trace_id');
    return traceId
      ? [{ traceId, title: text(p, 'title'), outcome: text(p, 'outcome'), finishedAt: text(p, 'finished_at') }]
      : [];
  });
}

export function draftOf(run: DryRun): DraftView {
  const d = run.draft as Loose;
  return {
    workflowId: text(d, 'workflow_id'),
    title: text(d, 'title'),
    priority: text(d, 'priority'),
    slaHours: num(d, 'sla_hours'),
    assignedRole: text(d, 'assigned_role'),
    kind: text(d, 'workflow_kind'),
  };
}

export function existingOf(run: DryRun): ExistingView[] {
  return (run.existing_workflows as Loose[]).flatMap((w) => {
    const workflowId = text(w, 'workflow_id');
    return workflowId ? [{ workflowId, status: text(w, 'status') }] : [];
  });
}
