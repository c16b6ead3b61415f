import type { Schemas, Workflow } from '../api/client';
import { assigneeLabel, EmptyState, PriorityBadge, RelativeTime, SlaCell, StatusBadge } from '../ui/widgets';

export function ItemSummary({ item, etag }: { item: Workflow; etag: string }) {
  const rows: [string, React.ReactNode][] = [
    ['Kind', item.workflow_kind.replace('_', ' ')],
    ['Workflow', item.workflow_name],
    ['Trace', <code key="t">{item.trace_id}</code>],
    ['Subject', `${item.subject.subject_type} ${item.subject.subject_id}`],
    ['Policy', item.policy_id ? `${item.policy_id} ${item.policy_version ?? ''}` : '—'],
    [
      'Workflow policy',
      item.workflow_policy_id ? `${item.workflow_policy_id} v${item.workflow_policy_version}` : 'Deployment defaults',
    ],
    ['SLA clock', slaClockLabel(item)],
    ['Requested by', requester(item)],
    ['Requested', <RelativeTime key="r" value={item.requested_at} />],
    ['Assignee', assigneeLabel(item)],
    ['Claimed by', item.claimed_by_account_id ?? '—'],
    ['Escalations', String(item.escalation_count)],
    ['Decision', item.current_decision ?? '—'],
    ['Reason', item.current_reason ?? '—'],
    ['Updated', <RelativeTime key="u" value={item.updated_at} />],
    ['Version', <code key="v">{etag}</code>],
  ];
  return (
    <section className="card" aria-labelledby="item-title">
      <div className="item-head">
        <div>
          <h1 id="item-title">{item.title}</h1>
          <p className="item-id">{item.workflow_id}</p>
        </div>
        <div className="item-badges">
          <PriorityBadge priority={item.priority} />
          <StatusBadge status={item.status} />
          <SlaCell item={item} />
        </div>
      </div>
      <dl className="facts">
        {rows.map(([label, value]) => (
          <div key={label} className="fact">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** SPEC §14: running / paused (since when) / stopped, with the due time and the calendar's zone. */
function slaClockLabel(item: Workflow): string {
  const clock = item.sla_clock;
  const zone = clock.business_hours_time_zone ? ` (business hours, ${clock.business_hours_time_zone})` : '';
  if (clock.state === 'paused') return `Paused since ${new Date(clock.paused_at as string).toLocaleString()}${zone}`;
  if (clock.state === 'stopped') return 'Stopped';
  return `Running, due ${new Date(clock.due_at).toLocaleString()}${zone}`;
}

/** The requesting actor, and the account that recorded the request when it is another (SPEC §11.1). */
function requester(item: Workflow): string {
  const actor = item.requested_by_actor;
  if (!actor) return item.requested_by ?? '—';
  const via = item.requested_by && item.requested_by !== actor.actor_id ? ` via ${item.requested_by}` : '';
  return `${actor.actor_id} (${actor.actor_type})${via}`;
}

type ActionRecord = Schemas['WorkflowActionRecordDto'];

export function Timeline({ actions }: { actions: ActionRecord[] }) {
  return (
    <section className="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      {actions.length === 0 ? (
        <EmptyState title="No action yet" />
      ) : (
        <ol className="timeline">
          {actions.map((a) => (
            <li key={a.action_id}>
              <span className="timeline-dot" aria-hidden="true" />
              <div className="timeline-body">
                <p>
                  <strong>{a.action_type.replace('_', ' ')}</strong> by {a.actor.actor_id}
                  {a.actor.account_id && a.actor.account_id !== a.actor.actor_id ? ` (${a.actor.account_id})` : ''}
                  {' · '}
                  <span className="muted">→ {a.resulting_status.replace('_', ' ')}</span>
                </p>
                {a.note && <p className="timeline-note">{a.note}</p>}
                <p className="muted small">
                  <RelativeTime value={a.created_at} />
                </p>
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

type Notification = Schemas['NotificationDto'];

export function NotificationList({ notifications, total }: { notifications: Notification[]; total: number }) {
  return (
    <section className="card" aria-labelledby="notifications-title">
      <h2 id="notifications-title">
        Notifications <span className="count">{total}</span>
      </h2>
      {notifications.length === 0 ? (
        <EmptyState title="No notification" />
      ) : (
        <ul className="notifications">
          {notifications.map((n) => (
            <li key={n.notification_id}>
              <span className={`badge category`}>{n.category.replace('_', ' ')}</span>
              <span>{n.message}</span>
              <span className="muted small">
                to {n.recipient_account_id ?? n.recipient_role ?? 'nobody'} · <RelativeTime value={n.created_at} />
              </span>
            </li>
          ))}
        </ul>
      )}
      {total > notifications.length && (
        <p className="muted small">
          The newest {notifications.length} of {total}.
        </p>
      )}
    </section>
  );
}

/** Quorum votes (SPEC §11.4): how many approvals the item needs, and who gave them. */
export function Votes({ item }: { item: Workflow }) {
  const needed = item.required_approvals;
  return (
    <section className="card" aria-labelledby="votes-title">
      <h2 id="votes-title">
        Approvals{' '}
        <span className="count">
          {item.approval_count} of {needed}
        </span>
      </h2>
      <div
        className="meter"
        role="meter"
        aria-label="Approvals given"
        aria-valuemin={0}
        aria-valuemax={needed}
        aria-valuenow={Math.min(item.approval_count, needed)}
      >
        {Array.from({ length: needed }, (_, i) => (
          <span key={i} className={i < item.approval_count ? 'meter-step done' : 'meter-step'} />
        ))}
      </div>
      {item.approvals.length === 0 ? (
        <p className="muted small">
          {needed === 1 ? 'One approval decides this item.' : `${needed} approvals from different reviewers decide it.`}
        </p>
      ) : (
        <ul className="votes">
          {item.approvals.map((vote) => (
            <li key={vote.action_id}>
              <strong>{vote.person_sub ?? vote.account_id}</strong>
              {vote.reason && <span> — {vote.reason}</span>}{' '}
              <span className="muted small">
                <RelativeTime value={vote.at} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
