import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';

/** Every shortcut, as the ? sheet lists them. */
export const SHORTCUTS: readonly { keys: string; what: string }[] = [
  { keys: 'j', what: 'Next item' },
  { keys: 'k', what: 'Previous item' },
  { keys: 'Enter', what: 'Open the selected item' },
  { keys: 'a', what: 'Approve (write the reason first; an empty reason is focused)' },
  { keys: 'r', what: 'Reject (likewise)' },
  { keys: 'c', what: 'Comment (focuses the note)' },
  { keys: 'g then i', what: 'Go to the inbox' },
  { keys: '?', what: 'Show this list' },
  { keys: 'Esc', what: 'Close this list' },
];

export type KeyHandlers = Partial<Record<string, () => void>>;

function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Calls handlers[key] for plain key presses outside form fields. */
export function useKeyboard(handlers: KeyHandlers): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (typingIn(event.target)) return;
      if (document.querySelector('dialog[open]') && event.key !== '?') return;
      const handler = ref.current[event.key];
      if (!handler) return;
      event.preventDefault();
      handler();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}

type ListContextValue = { ids: readonly string[]; setIds(ids: readonly string[]): void };
const ListContext = createContext<ListContextValue>({ ids: [], setIds: () => undefined });

/** The inbox's current order, so that j/k on an item move through the same list. */
export function ItemListProvider({ children }: { children: ReactNode }) {
  const [ids, setIds] = useState<readonly string[]>([]);
  return <ListContext.Provider value={{ ids, setIds }}>{children}</ListContext.Provider>;
}

export function useItemList(): ListContextValue {
  return useContext(ListContext);
}

/** The ? sheet: a modal dialog (focus kept inside, Esc closes). */
export function ShortcutSheet({ open, onClose }: { open: boolean; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} className="sheet" aria-labelledby="shortcuts-title" onClose={onClose}>
      <div className="sheet-head">
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <button type="button" className="button ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <table className="shortcuts">
        <caption className="visually-hidden">Keys and what they do</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Does</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.keys}>
              <td>
                {s.keys.split(' then ').map((k, i) => (
                  <span key={k}>
                    {i > 0 && ' then '}
                    <kbd>{k}</kbd>
                  </span>
                ))}
              </td>
              <td>{s.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </dialog>
  );
}
