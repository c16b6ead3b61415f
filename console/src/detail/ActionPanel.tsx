import { useRef, useState, type FormEvent, type RefObject } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, unwrap, type ActionRequest, type Whoami, type Workflow } from '../api/client';
import { useApi } from '../auth/session';
import { useKeyboard } from '../ui/shortcuts';
import {
  ACTION_LABELS,
  allowedActions,
  isOwnRequest,
  overridePhrase,
  type ActionType,
} from '../workflow/allowed-actions';

/** SPEC §13: the message of a 412, after which the page reloads the item. */
export const STALE_MESSAGE = 'This item changed since you opened it';

const DECISIONS: readonly ActionType[] = ['approve', 'reject', 'request_change', 'comment', 'escalate'];
const CLAIMS: readonly ActionType[] = ['claim', 'release'];

export type ActionFields = { reason: string; note: string; account: string; role: string; confirmation: string };
export const EMPTY_FIELDS: ActionFields = { reason: '', note: '', account: '', role: '', confirmation: '' };

type Props = {
  item: Workflow;
  etag: string;
  principal: Whoami;
  fields: ActionFields;
  setFields(fields: ActionFields): void;
  onReload(): Promise<unknown>;
};

/**
 * One form for every action the principal may take now (SPEC §13): the fields are filled first,
 * then the action's button sends it with If-Match set to the ETag shown on the page.
 */
export function ActionPanel({ item, etag, principal, fields, setFields, onReload }: Props) {
  const { api, session } = useApi();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState<ActionType | null>(null);
  const [message, setMessage] = useState<{ tone: 'error' | 'ok'; text: string } | null>(null);
  const allowed = allowedActions(item, principal);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);

  /** a, r, c: act when the needed text is written, else put the cursor where it goes. */
  const shortcut = (action: ActionType, field: RefObject<HTMLTextAreaElement | null>, written: boolean) => () => {
    if (!allowed.includes(action) || busy !== null) return;
    if (written) void act(action);
    else field.current?.focus();
  };
  const reasonWritten = fields.reason.trim() !== '';
  useKeyboard({
    a: shortcut('approve', reasonRef, reasonWritten),
    r: shortcut('reject', reasonRef, reasonWritten),
    c: shortcut('comment', noteRef, fields.note.trim() !== '' || reasonWritten),
  });
  const set = (name: keyof ActionFields) => (e: { target: { value: string } }) =>
    setFields({ ...fields, [name]: e.target.value });

  async function act(action: ActionType) {
    setBusy(action);
    setMessage(null);
    const body: ActionRequest = { action, ...requestFields(action, fields) };
    try {
      const { data } = await unwrap(
        api.POST('/api/v1/workflows/{workflow_id}/actions', {
          params: {
            header: { 'x-tenant-id': session.tenant, 'If-Match': etag },
            path: { workflow_id: item.workflow_id },
          },
          body,
        }),
      );
      setFields(EMPTY_FIELDS);
      setMessage({ tone: 'ok', text: outcomeText(action, data.action) });
      await Promise.all([onReload(), queryClient.invalidateQueries({ queryKey: ['inbox'] })]);
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        setMessage({ tone: 'error', text: STALE_MESSAGE });
        await onReload();
      } else {
        setMessage({ tone: 'error', text: e instanceof Error ? e.message : String(e) });
      }
    } finally {
      setBusy(null);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
  }

  if (allowed.length === 0) {
    return (
      <section className="card" aria-labelledby="actions-title">
        <h2 id="actions-title">Actions</h2>
        <p className="muted">You have no action to take on this item now.</p>
        {message && <Message {...message} />}
      </section>
    );
  }
  const button = (action: ActionType, tone = '') =>
    allowed.includes(action) && (
      <button
        key={action}
        type="button"
        className={`button ${tone}`}
        disabled={busy !== null}
        aria-busy={busy === action}
        onClick={() => void act(action)}
      >
        {ACTION_LABELS[action]}
      </button>
    );
  const tone: Partial<Record<ActionType, string>> = { approve: 'primary', reject: 'danger' };

  return (
    <section className="card" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <form className="stack" onSubmit={submit} aria-label="Act on this item">
        <p className="muted small">
          Sent as version {item.version} (If-Match {etag}).
        </p>
        {isOwnRequest(item, principal) && (
          <p className="notice info">You requested this item, so someone else decides it (separation of duties).</p>
        )}
        {CLAIMS.some((a) => allowed.includes(a)) && <div className="button-row">{CLAIMS.map((a) => button(a))}</div>}
        <div className="field">
          <label htmlFor="action-reason">Reason</label>
          <textarea id="action-reason" ref={reasonRef} rows={3} value={fields.reason} onChange={set('reason')} />
        </div>
        <div className="field">
          <label htmlFor="action-note">Note</label>
          <textarea id="action-note" ref={noteRef} rows={2} value={fields.note} onChange={set('note')} />
        </div>
        <div className="button-row">{DECISIONS.map((a) => button(a, tone[a]))}</div>
        {allowed.includes('reassign') && (
          <fieldset className="subform">
            <legend>Reassign</legend>
            <div className="field-row">
              <div className="field">
                <label htmlFor="action-account">Assignee account</label>
                <input id="action-account" value={fields.account} onChange={set('account')} autoComplete="off" />
              </div>
              <div className="field">
                <label htmlFor="action-role">Assignee role</label>
                <input id="action-role" value={fields.role} onChange={set('role')} autoComplete="off" />
              </div>
            </div>
            <div className="button-row">{button('reassign')}</div>
          </fieldset>
        )}
        {allowed.includes('override') && (
          <fieldset className="subform">
            <legend>Override</legend>
            <div className="field">
              <label htmlFor="action-confirmation">Confirmation</label>
              <input
                id="action-confirmation"
                value={fields.confirmation}
                onChange={set('confirmation')}
                aria-describedby="confirmation-hint"
                autoComplete="off"
                spellCheck={false}
              />
              <p id="confirmation-hint" className="hint">
                Type <code>{overridePhrase(item.workflow_id)}</code> to decide regardless of the review. Needs a reason.
              </p>
            </div>
            <div className="button-row">{button('override', 'danger')}</div>
          </fieldset>
        )}
        {message && <Message {...message} />}
      </form>
    </section>
  );
}

function outcomeText(action: ActionType, result: { outcome: string; approvals_remaining?: number }): string {
  if (result.outcome === 'vote_recorded') {
    const left = result.approvals_remaining ?? 0;
    return `Approve: vote recorded, ${left} more approval${left === 1 ? '' : 's'} needed`;
  }
  return `${ACTION_LABELS[action]}: ${result.outcome.replace('_', ' ')}`;
}

function Message({ tone, text }: { tone: 'error' | 'ok'; text: string }) {
  return (
    <div className={`notice ${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {text}
    </div>
  );
}

function requestFields(action: ActionType, fields: ActionFields): Omit<ActionRequest, 'action'> {
  const text = (value: string) => (value.trim() === '' ? undefined : value.trim());
  switch (action) {
    case 'claim':
    case 'release':
      return {};
    case 'reassign':
      return { assigned_account_id: text(fields.account), assigned_role: text(fields.role), note: text(fields.note) };
    case 'override':
      return { reason: text(fields.reason), note: text(fields.note), confirm_text: fields.confirmation.trim() };
    default:
      return { reason: text(fields.reason), note: text(fields.note) };
  }
}
