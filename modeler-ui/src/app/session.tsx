import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { getSessionUser, getToken, login as apiLogin, logout as apiLogout, onUnauthorized, type SessionUser } from '../api-client';

/** The logged-in staff member (工作人员会话). The bearer token stays in sessionStorage. */
interface Session {
  user: SessionUser | null;
  login(username: string, password: string): Promise<SessionUser>;
  logout(): Promise<void>;
  hasRole(...roles: string[]): boolean;
  /** set when the server said 401 during use; the login page shows it */
  expired: boolean;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<SessionUser | null>(() => (getToken() ? getSessionUser() : null));
  const [expired, setExpired] = useState(false);

  useEffect(() => {
    onUnauthorized(() => {
      setUser(null);
      setExpired(true);
    });
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    const result = await apiLogin(username, password);
    setExpired(false);
    setUser(result.user);
    return result.user;
  }, []);
  const logout = useCallback(async () => {
    await apiLogout();
    setUser(null);
  }, []);
  const hasRole = useCallback(
    (...roles: string[]) => !!user && (user.roles.includes('admin') || roles.some((r) => user.roles.includes(r))),
    [user],
  );
  const value = useMemo(() => ({ user, login, logout, hasRole, expired }), [user, login, logout, hasRole, expired]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
