import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, createApiClient, type ApiClient, type Credentials } from '../api/client';

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
  /** Why the last session ended, when it was not the reviewer's Sign out (shown on the sign-in page). */
  endedBecause: string | null;
  signIn(session: Session): void;
  signOut(reason?: string): void;
};

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(readStoredSession);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const signIn = useCallback((next: Session) => {
    window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setEndedBecause(null);
    setSession(next);
  }, []);
  const signOut = useCallback(
    (reason?: string) => {
      window.sessionStorage.clear();
      queryClient.clear();
      setEndedBecause(reason ?? null);
      setSession(null);
    },
    [queryClient],
  );
  // A token that stops working (expired, revoked) ends the session instead of failing every page.
  useEffect(
    () =>
      queryClient.getQueryCache().subscribe((event) => {
        const error = event.type === 'updated' && event.action.type === 'error' ? event.action.error : null;
        if (error instanceof ApiError && error.status === 401) signOut(`Your session ended: ${error.message}`);
      }),
    [queryClient, signOut],
  );
  const api = useMemo(() => (session ? createApiClient(session) : null), [session]);
  const value = useMemo(
    () => ({ session, api, endedBecause, signIn, signOut }),
    [session, api, endedBecause, signIn, signOut],
  );
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
