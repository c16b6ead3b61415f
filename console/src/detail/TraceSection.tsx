import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { DryRun, StoredEvent } from '../api/client';
import { useDryRun, useTrace } from '../api/queries';
import { verifyChain } from '../chain/verify-chain';
import { existingOf, precedentsOf, simulationOf } from '../studio/dry-run-view';
import { EmptyState, ErrorNotice, Loading, RelativeTime } from '../ui/widgets';

/** The item's trace: its events, the chain check done here in the browser, precedents, the dry run. */
export function TraceSection({ traceId, workflowId }: { traceId: string; workflowId: string }) {
  const trace = useTrace(traceId);
  const dryRun = useDryRun(traceId);
  return (
    <>
      <section className="card" aria-labelledby="trace-title">
        <div className="card-head">
          <h2 id="trace-title">Trace events</h2>
          {trace.data && <ChainBadge events={trace.data.events} />}
        </div>
        {trace.isPending ? (
          <Loading label="Loading the trace…" />
        ) : trace.isError ? (
          <ErrorNotice error={trace.error} />
        ) : (
          <EventTable events={trace.data.events} />
        )}
      </section>
      <section className="card" aria-labelledby="context-title">
        <h2 id="context-title">Precedents and studio dry run</h2>
        {dryRun.isPending ? (
          <Loading label="Loading the dry run…" />
        ) : dryRun.isError ? (
          <ErrorNotice error={dryRun.error} />
        ) : (
          <DryRunSummary run={dryRun.data} traceId={traceId} workflowId={workflowId} />
        )}
      </section>
    </>
  );
}

function DryRunSummary({ run, traceId, workflowId }: { run: DryRun; traceId: string; workflowId: string }) {
  const simulation = simulationOf(run);
  const precedents = precedentsOf(run);
  const others = existingOf(run).filter((w) => w.workflowId !== workflowId);
  return (
    <div className="stack">
      <div>
        <h3>Risk signals</h3>
        {simulation.riskSignals.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <ul className="chips">
            {simulation.riskSignals.map((s) => (
              <li key={s} className="chip">
                {s}
              </li>
            ))}
          </ul>
        )}
        {simulation.priority && (
          <p className="small">
            Suggested priority <strong>{simulation.priority}</strong>. {simulation.recommendedReason}
          </p>
        )}
      </div>
      <div>
        <h3>Precedents</h3>
        {precedents.length === 0 ? (
          <p className="muted">No close precedent.</p>
        ) : (
          <ul className="plain">
            {precedents.map((p) => (
              <li key={p.traceId}>
                <code>{p.traceId}</code> {p.title} — <strong>{p.outcome}</strong> <RelativeTime value={p.finishedAt} />
              </li>
            ))}
          </ul>
        )}
      </div>
      {others.length > 0 && (
        <div>
          <h3>Other items of this trace</h3>
          <ul className="plain">
            {others.map((w) => (
              <li key={w.workflowId}>
                <Link to={`/workflows/${encodeURIComponent(w.workflowId)}`}>{w.workflowId}</Link>{' '}
                <span className="muted">{w.status}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      <p className="small">
        <Link to={`/studio?trace=${encodeURIComponent(traceId)}`}>Open this trace in the studio</Link>
      </p>
    </div>
  );
}

function ChainBadge({ events }: { events: StoredEvent[] }) {
  const verdict = useQuery({
    queryKey: ['chain', events.map((e) => e.event_hash)],
    queryFn: () => verifyChain(events),
    staleTime: Infinity,
  });
  if (!verdict.data) return <span className="badge">Checking chain…</span>;
  if (verdict.data.verified) {
    return (
      <span className="badge chain-ok" title={`${events.length} events, every hash recomputed in this browser`}>
        Chain verified
      </span>
    );
  }
  return (
    <span
      className="badge chain-broken"
      title={verdict.data.problems.map((p) => `#${p.trace_seq} ${p.event_id}: ${p.problem}`).join('\n')}
    >
      Chain broken
    </span>
  );
}

function EventTable({ events }: { events: StoredEvent[] }) {
  if (events.length === 0) return <EmptyState title="No event" />;
  return (
    <div className="table-wrap">
      <table className="events">
        <caption className="visually-hidden">Events of the trace, by sequence</caption>
        <thead>
          <tr>
            <th scope="col">Seq</th>
            <th scope="col">Type</th>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Recorded by</th>
            <th scope="col">Payload</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.event_id}>
              <td className="num">{e.trace_seq}</td>
              <td>{e.event_type}</td>
              <td>
                <RelativeTime value={e.occurred_at} />
              </td>
              <td>
                {e.actor.actor_id} <span className="muted small">({e.actor.actor_type})</span>
              </td>
              <td>{e.recorded_by ?? <span className="muted">—</span>}</td>
              <td>
                <details>
                  <summary>Payload</summary>
                  <pre>{JSON.stringify(e.payload, null, 2)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
