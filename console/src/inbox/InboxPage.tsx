import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { InboxSummary } from '../api/client';
import { useInbox, useWhoami, type InboxFilters } from '../api/queries';
import { useItemList, useKeyboard } from '../ui/shortcuts';
import {
  assigneeLabel,
  EmptyState,
  ErrorNotice,
  Loading,
  PriorityBadge,
  RelativeTime,
  SlaCell,
  StatusBadge,
} from '../ui/widgets';
import { InboxFilterBar, filtersFromParams } from './InboxFilterBar';

export function itemPath(workflowId: string): string {
  return `/workflows/${encodeURIComponent(workflowId)}`;
}

export function InboxPage() {
  const [params, setParams] = useSearchParams();
  const whoami = useWhoami();
  const { filters, assignedToMe } = filtersFromParams(params);
  const query: InboxFilters = {
    ...filters,
    ...(assignedToMe && whoami.data ? { assigned_account_id: whoami.data.account_id } : {}),
  };
  const inbox = useInbox(query);
  const items = useMemo(() => inbox.data?.pages.flatMap((p) => p.items) ?? [], [inbox.data]);
  const summary = inbox.data?.pages[0]?.summary;
  const { setIds } = useItemList();
  const [selected, setSelected] = useState(-1);
  const rows = useRef<(HTMLAnchorElement | null)[]>([]);

  useEffect(() => setIds(items.map((i) => i.workflow_id)), [items, setIds]);

  function select(index: number) {
    if (items.length === 0) return;
    const next = Math.max(0, Math.min(items.length - 1, index));
    setSelected(next);
    rows.current[next]?.focus();
  }
  useKeyboard({ j: () => select(selected + 1), k: () => select(selected - 1) });

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Inbox</h1>
          <p className="muted">Items waiting for a person, most urgent first. Updates live.</p>
        </div>
        <span className={inbox.isFetching ? 'live fetching' : 'live'} aria-hidden="true">
          <span className="live-dot" /> Live
        </span>
      </div>
      <SummaryTiles summary={summary} />
      <InboxFilterBar params={params} setParams={setParams} />
      {inbox.isPending ? (
        <Loading label="Loading the inbox…" />
      ) : inbox.isError ? (
        <ErrorNotice error={inbox.error} />
      ) : items.length === 0 ? (
        <EmptyState title="Nothing here">
          <p className="muted">No item matches these filters. New requests appear here as agents make them.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="inbox">
            <caption className="visually-hidden">Workflow items</caption>
            <thead>
              <tr>
                <th scope="col">Priority</th>
                <th scope="col">Item</th>
                <th scope="col">Status</th>
                <th scope="col">SLA</th>
                <th scope="col" className="col-assignee">
                  Assignee
                </th>
                <th scope="col" className="col-requested">
                  Requested
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((item, index) => (
                <tr key={item.workflow_id} className={index === selected ? 'selected' : undefined}>
                  <td>
                    <PriorityBadge priority={item.priority} />
                  </td>
                  <td className="col-item">
                    <Link
                      to={itemPath(item.workflow_id)}
                      className="row-link"
                      ref={(el) => {
                        rows.current[index] = el;
                      }}
                      onFocus={() => setSelected(index)}
                    >
                      <span className="item-title">{item.title}</span>
                      <span className="item-id">{item.workflow_id}</span>
                    </Link>
                  </td>
                  <td>
                    <StatusBadge status={item.status} />
                  </td>
                  <td>
                    <SlaCell item={item} />
                  </td>
                  <td className="col-assignee">{assigneeLabel(item)}</td>
                  <td className="col-requested">
                    <RelativeTime value={item.requested_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {inbox.hasNextPage && (
        <div className="load-more">
          <button
            type="button"
            className="button"
            onClick={() => void inbox.fetchNextPage()}
            disabled={inbox.isFetchingNextPage}
          >
            {inbox.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </div>
  );
}

type Tile = { label: string; value: number | undefined; tone?: string };

function SummaryTiles({ summary }: { summary: InboxSummary | undefined }) {
  const tiles: Tile[] = [
    { label: 'Open', value: summary?.open_count },
    { label: 'Overdue', value: summary?.overdue_count, tone: 'danger' },
    { label: 'Escalated', value: summary?.escalated_count, tone: 'warn' },
    { label: 'In review', value: summary?.in_review_count },
    { label: 'Changes requested', value: summary?.changes_requested_count },
    { label: 'Awaiting my approval', value: summary?.awaiting_approval_count, tone: 'accent' },
  ];
  return (
    <ul className="tiles" aria-label="Summary">
      {tiles.map((t) => (
        <li key={t.label} className={`tile ${t.tone && t.value ? `tile-${t.tone}` : ''}`}>
          <span className="tile-value">{t.value ?? '–'}</span>
          <span className="tile-label">{t.label}</span>
        </li>
      ))}
    </ul>
  );
}
