import type { ReactNode } from 'react';
import type { Workflow } from '../api/client';
import { exactTime, relativeTime, shortDuration, useNow } from './time';

/** A relative time with the exact time in its tooltip and datetime attribute. */
export function RelativeTime({ value }: { value: string | null | undefined }) {
  const now = useNow();
  if (!value) return <span className="muted">—</span>;
  return (
    <time dateTime={value} title={exactTime(value)}>
      {relativeTime(value, now)}
    </time>
  );
}

const STATUS_LABELS: Record<string, string> = {
  requested: 'Requested',
  in_review: 'In review',
  changes_requested: 'Changes requested',
  escalated: 'Escalated',
  approved: 'Approved',
  rejected: 'Rejected',
  overridden: 'Overridden',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{statusLabel(status)}</span>;
}

export function PriorityBadge({ priority }: { priority: string }) {
  return (
    <span className={`priority priority-${priority}`}>
      <span className="priority-dot" aria-hidden="true" />
      {priority.charAt(0).toUpperCase() + priority.slice(1)}
    </span>
  );
}

/** The SLA: a countdown while open and in time, an Overdue badge once late, nothing when closed. */
export function SlaCell({ item }: { item: Pick<Workflow, 'sla_due_at' | 'overdue' | 'resolved_at' | 'status'> }) {
  const now = useNow();
  const due = item.sla_due_at;
  if (!due) return <span className="muted">No SLA</span>;
  const left = Date.parse(due) - now;
  if (item.overdue || (left < 0 && !item.resolved_at)) {
    return (
      <span className="badge overdue" title={`Due ${exactTime(due)}`}>
        Overdue {shortDuration(left)}
      </span>
    );
  }
  if (item.resolved_at) return <span className="muted">Closed</span>;
  return (
    <span className={left < 30 * 60_000 ? 'sla at-risk' : 'sla'} title={`Due ${exactTime(due)}`}>
      Due in {shortDuration(left)}
    </span>
  );
}

export function assigneeLabel(item: Pick<Workflow, 'assigned_account_id' | 'assigned_role'>): string {
  if (item.assigned_account_id && item.assigned_role) return `${item.assigned_account_id} (${item.assigned_role})`;
  return item.assigned_account_id ?? (item.assigned_role ? `role ${item.assigned_role}` : 'Unassigned');
}

export function Loading({ label }: { label: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty">
      <p className="state-title">{title}</p>
      {children}
    </div>
  );
}

export function ErrorNotice({ error }: { error: unknown }) {
  return (
    <div className="notice error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}
