import type { SetURLSearchParams } from 'react-router';
import type { InboxFilters } from '../api/queries';
import { OPEN_STATUSES, TERMINAL_STATUSES } from '../workflow/allowed-actions';
import { statusLabel } from '../ui/widgets';

const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
const KINDS = ['exception_review', 'incident_review', 'override_review'] as const;
const STATUSES = [...OPEN_STATUSES, ...TERMINAL_STATUSES];

type Status = NonNullable<InboxFilters['status']>;
type Priority = NonNullable<InboxFilters['priority']>;

/** The filters live in the URL, so that a filtered inbox can be bookmarked and shared. */
export function filtersFromParams(params: URLSearchParams): { filters: InboxFilters; assignedToMe: boolean } {
  const status = params.get('status');
  const priority = params.get('priority');
  const kind = params.get('kind');
  return {
    filters: {
      ...(status && (STATUSES as readonly string[]).includes(status) ? { status: status as Status } : {}),
      ...(priority && (PRIORITIES as readonly string[]).includes(priority) ? { priority: priority as Priority } : {}),
      ...(kind ? { workflow_kind: kind } : {}),
      ...(params.get('awaiting') === '1' ? { awaiting_my_approval: 'true' as const } : {}),
    },
    assignedToMe: params.get('mine') === '1',
  };
}

export function InboxFilterBar({ params, setParams }: { params: URLSearchParams; setParams: SetURLSearchParams }) {
  function set(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value === '') next.delete(name);
    else next.set(name, value);
    setParams(next, { replace: true });
  }
  const anySet = ['status', 'priority', 'kind', 'mine', 'awaiting'].some((n) => params.has(n));
  return (
    <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <div className="field inline">
        <label htmlFor="filter-status">Status</label>
        <select id="filter-status" value={params.get('status') ?? ''} onChange={(e) => set('status', e.target.value)}>
          <option value="">All open</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
      </div>
      <div className="field inline">
        <label htmlFor="filter-priority">Priority</label>
        <select
          id="filter-priority"
          value={params.get('priority') ?? ''}
          onChange={(e) => set('priority', e.target.value)}
        >
          <option value="">Any</option>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {p.charAt(0).toUpperCase() + p.slice(1)}
            </option>
          ))}
        </select>
      </div>
      <div className="field inline">
        <label htmlFor="filter-kind">Kind</label>
        <select id="filter-kind" value={params.get('kind') ?? ''} onChange={(e) => set('kind', e.target.value)}>
          <option value="">Any</option>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k.replace('_', ' ')}
            </option>
          ))}
        </select>
      </div>
      <div className="field checkbox">
        <input
          id="filter-mine"
          type="checkbox"
          checked={params.get('mine') === '1'}
          onChange={(e) => set('mine', e.target.checked ? '1' : '')}
        />
        <label htmlFor="filter-mine">Assigned to me</label>
      </div>
      <div className="field checkbox">
        <input
          id="filter-awaiting"
          type="checkbox"
          checked={params.get('awaiting') === '1'}
          onChange={(e) => set('awaiting', e.target.checked ? '1' : '')}
        />
        <label htmlFor="filter-awaiting">Awaiting my approval</label>
      </div>
      {anySet && (
        <button
          type="button"
          className="button ghost"
          onClick={() => setParams(new URLSearchParams(), { replace: true })}
        >
          Clear filters
        </button>
      )}
    </form>
  );
}
