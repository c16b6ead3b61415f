import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useWhoami, useWorkflow, useWorkflowVersion } from '../api/queries';
import { itemPath } from '../inbox/InboxPage';
import { useItemList, useKeyboard } from '../ui/shortcuts';
import { ErrorNotice, Loading } from '../ui/widgets';
import { ActionPanel, EMPTY_FIELDS, type ActionFields } from './ActionPanel';
import { ItemSummary, NotificationList, Timeline, Votes } from './ItemSections';
import { TraceSection } from './TraceSection';

export function DetailPage() {
  const { workflowId = '' } = useParams();
  const workflow = useWorkflow(workflowId);
  const latestVersion = useWorkflowVersion(workflowId);
  const whoami = useWhoami();
  const navigate = useNavigate();
  const { ids } = useItemList();
  const [fields, setFields] = useState<ActionFields>(EMPTY_FIELDS);

  const position = ids.indexOf(workflowId);
  const go = (offset: number) => {
    const next = ids[position + offset];
    if (position >= 0 && next) navigate(itemPath(next));
  };
  useKeyboard({ j: () => go(1), k: () => go(-1) });

  if (workflow.isPending) return <Loading label="Loading the item…" />;
  if (workflow.isError) {
    return (
      <div className="page">
        <Link to="/" className="back">
          ← Inbox
        </Link>
        <ErrorNotice error={workflow.error} />
      </div>
    );
  }
  const { detail, etag } = workflow.data;
  const item = detail.workflow;
  const changedElsewhere = latestVersion.data !== undefined && latestVersion.data !== item.version;

  return (
    <div className="page">
      <div className="crumbs">
        <Link to="/" className="back">
          ← Inbox
        </Link>
        {position >= 0 && (
          <span className="muted small">
            Item {position + 1} of {ids.length} · <kbd>j</kbd>/<kbd>k</kbd> to move
          </span>
        )}
      </div>
      {changedElsewhere && (
        <div className="notice info" role="status">
          This item was changed elsewhere.{' '}
          <button type="button" className="button small" onClick={() => void workflow.refetch()}>
            Show the latest version
          </button>
        </div>
      )}
      <div className="detail-grid">
        <div className="detail-summary">
          <ItemSummary item={item} etag={etag} />
        </div>
        <aside className="detail-side" aria-label="Decide and follow up">
          {whoami.data ? (
            <ActionPanel
              item={item}
              etag={etag}
              principal={whoami.data}
              fields={fields}
              setFields={setFields}
              onReload={() => workflow.refetch()}
            />
          ) : (
            <Loading label="Loading your permissions…" />
          )}
          <Votes item={item} />
          <NotificationList notifications={detail.notifications} total={detail.notification_count} />
        </aside>
        <div className="detail-main">
          <Timeline actions={detail.actions} />
          <TraceSection traceId={item.trace_id} workflowId={item.workflow_id} />
        </div>
      </div>
    </div>
  );
}
