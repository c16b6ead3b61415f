import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { unwrap } from '../api/client';
import { useDryRun } from '../api/queries';
import { useApi } from '../auth/session';
import { itemPath } from '../inbox/InboxPage';
import { ErrorNotice, Loading } from '../ui/widgets';
import { draftOf, existingOf, precedentsOf, simulationOf } from './dry-run-view';

/** Trace → dry run with a template → Start review (SPEC §6.5, §13). */
export function StudioPage() {
  const [params, setParams] = useSearchParams();
  const traceId = params.get('trace') ?? '';
  const templateId = params.get('template') ?? undefined;
  const [draftTrace, setDraftTrace] = useState(traceId);

  function preview(event: FormEvent) {
    event.preventDefault();
    const next = new URLSearchParams();
    if (draftTrace.trim()) next.set('trace', draftTrace.trim());
    setParams(next);
  }

  return (
    <div className="page narrow">
      <div className="page-head">
        <div>
          <h1>Workflow studio</h1>
          <p className="muted">Turn a trace into a review: preview what it would create, then start it.</p>
        </div>
      </div>
      <form className="card filters" onSubmit={preview} aria-label="Choose a trace">
        <div className="field grow">
          <label htmlFor="studio-trace">Trace id</label>
          <input
            id="studio-trace"
            value={draftTrace}
            onChange={(e) => setDraftTrace(e.target.value)}
            required
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <button type="submit" className="button">
          Preview
        </button>
      </form>
      {traceId && <DryRunPanel key={`${traceId}/${templateId ?? ''}`} traceId={traceId} templateId={templateId} />}
    </div>
  );
}

function DryRunPanel({ traceId, templateId }: { traceId: string; templateId: string | undefined }) {
  const { api, session } = useApi();
  const [, setParams] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const dryRun = useDryRun(traceId, templateId);
  const [reason, setReason] = useState<string | null>(null);
  const [approvals, setApprovals] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const [existing, setExisting] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (dryRun.isPending) return <Loading label="Running the dry run…" />;
  if (dryRun.isError) return <ErrorNotice error={dryRun.error} />;
  const run = dryRun.data;
  const draft = draftOf(run);
  const simulation = simulationOf(run);
  const precedents = precedentsOf(run);
  const reasonValue = reason ?? simulation.recommendedReason ?? '';

  async function start(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { data } = await unwrap(
        api.POST('/api/v1/workflow-studio/traces/{trace_id}/reviews', {
          params: { header: { 'x-tenant-id': session.tenant }, path: { trace_id: traceId } },
          body: { reason: reasonValue, template_id: run.template.template_id, required_approvals: approvals },
        }),
      );
      await queryClient.invalidateQueries({ queryKey: ['inbox'] });
      // The created item is the draft's (the workflow object is free-form in the API document).
      const workflowId = draft.workflowId;
      if (data.created && workflowId) navigate(itemPath(workflowId));
      else if (workflowId) setExisting(workflowId);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card stack" onSubmit={start} aria-label="Start a review">
      <div className="field">
        <label htmlFor="studio-template">Template</label>
        <select
          id="studio-template"
          value={run.template.template_id}
          onChange={(e) => setParams(new URLSearchParams({ trace: traceId, template: e.target.value }))}
        >
          {run.templates.map((t) => (
            <option key={t.template_id} value={t.template_id}>
              {t.title}
            </option>
          ))}
        </select>
        <p className="hint">{run.template.description}</p>
      </div>
      <dl className="facts">
        <div className="fact">
          <dt>Would create</dt>
          <dd>
            <code>{draft.workflowId}</code>
          </dd>
        </div>
        <div className="fact">
          <dt>Title</dt>
          <dd>{draft.title}</dd>
        </div>
        <div className="fact">
          <dt>Priority</dt>
          <dd>{draft.priority}</dd>
        </div>
        <div className="fact">
          <dt>SLA</dt>
          <dd>{draft.slaHours} h</dd>
        </div>
        <div className="fact">
          <dt>Reviewer role</dt>
          <dd>{draft.assignedRole}</dd>
        </div>
        <div className="fact">
          <dt>Risk signals</dt>
          <dd>{simulation.riskSignals.join(', ') || 'none'}</dd>
        </div>
        <div className="fact">
          <dt>Precedents</dt>
          <dd>
            {precedents.length === 0 ? 'none close' : precedents.map((p) => `${p.traceId} (${p.outcome})`).join(', ')}
          </dd>
        </div>
        <div className="fact">
          <dt>Existing items</dt>
          <dd>
            {existingOf(run).length === 0
              ? 'none'
              : existingOf(run).map((w) => (
                  <Link key={w.workflowId} to={itemPath(w.workflowId)} className="block">
                    {w.workflowId}
                  </Link>
                ))}
          </dd>
        </div>
      </dl>
      <div className="field">
        <label htmlFor="studio-reason">Reason</label>
        <textarea id="studio-reason" rows={3} value={reasonValue} onChange={(e) => setReason(e.target.value)} />
      </div>
      <div className="field narrow-field">
        <label htmlFor="studio-approvals">Approvals needed</label>
        <input
          id="studio-approvals"
          type="number"
          min={1}
          max={10}
          value={approvals}
          onChange={(e) => setApprovals(Number(e.target.value))}
        />
      </div>
      {error && (
        <div className="notice error" role="alert">
          {error}
        </div>
      )}
      {existing && (
        <div className="notice info" role="status">
          This review exists already: <Link to={itemPath(existing)}>{existing}</Link>
        </div>
      )}
      <div className="button-row">
        <button type="submit" className="button primary" disabled={busy}>
          Start review
        </button>
      </div>
    </form>
  );
}
