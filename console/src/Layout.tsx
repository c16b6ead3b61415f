import { useRef, useState } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { useWhoami } from './api/queries';
import { useSession } from './auth/session';
import { ShortcutSheet, useKeyboard } from './ui/shortcuts';

/** The signed-in frame: header with navigation, who is signed in, shortcuts and Sign out. */
export function Layout() {
  const { session, signOut } = useSession();
  const whoami = useWhoami();
  const navigate = useNavigate();
  const [sheetOpen, setSheetOpen] = useState(false);
  const pendingG = useRef(false);

  useKeyboard({
    '?': () => setSheetOpen(true),
    g: () => {
      pendingG.current = true;
      window.setTimeout(() => (pendingG.current = false), 1000);
    },
    i: () => {
      if (pendingG.current) navigate('/');
    },
  });

  function doSignOut() {
    signOut();
    navigate('/');
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <NavLink to="/" className="brand" aria-label="DecisionGraph home">
            <img src="/console/favicon.svg" alt="" width="24" height="24" />
            <span className="brand-name">DecisionGraph</span>
          </NavLink>
          <nav aria-label="Console" className="nav">
            <NavLink to="/" end>
              Inbox
            </NavLink>
            <NavLink to="/studio">Studio</NavLink>
          </nav>
          <div className="topbar-end">
            <span
              className="who"
              title={whoami.data ? `Permissions: ${whoami.data.permissions.join(', ')}` : undefined}
            >
              <span className="who-account">{whoami.data?.account_id ?? '…'}</span>
              <span className="who-tenant">{session?.tenant}</span>
            </span>
            <button
              type="button"
              className="button ghost icon"
              onClick={() => setSheetOpen(true)}
              aria-label="Keyboard shortcuts"
              title="Keyboard shortcuts (?)"
            >
              ?
            </button>
            <button type="button" className="button ghost" onClick={doSignOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
      <ShortcutSheet open={sheetOpen} onClose={() => setSheetOpen(false)} />
    </div>
  );
}
