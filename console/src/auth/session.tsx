import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { createApiClient, type ApiClient, type Credentials } from '../api/client';

/** Credentials live in session storage only (SPEC §13): gone when the tab closes or on Sign out. */
const STORAGE_KEY = 'decisiongraph.console.session';

export type Session = Credentials & { kind: 'token' | 'oidc' };

export function readStoredSession(): Session | null {
  try {
    const raw = window.sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.tenant !== 'string' || typeof parsed.token !== 'string') return null;
    return { tenant: parsed.tenant, token: parsed.token, kind: parsed.kind === 'oidc' ? 'oidc' : 'token' };
  } catch {
    return null;
  }
}

type SessionContextValue = {
  session: Session | null;
  api: ApiClient | null;
  signIn(session: Session): void;
  signOut(): void;
};

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(readStoredSession);
  const signIn = useCallback((next: Session) => {
    window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setSession(next);
  }, []);
  const signOut = useCallback(() => {
    window.sessionStorage.clear();
    setSession(null);
  }, []);
  const api = useMemo(() => (session ? createApiClient(session) : null), [session]);
  const value = useMemo(() => ({ session, api, signIn, signOut }), [session, api, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The signed-in session's client and credentials (only rendered when signed in). */
export function useApi(): { api: ApiClient; session: Session } {
  const { api, session } = useSession();
  if (!api || !session) throw new Error('useApi without a session');
  return { api, session };
}
