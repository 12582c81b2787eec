import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, setCsrfToken, setUnauthorizedHandler } from "../api/client";

export type Role = "Viewer" | "User" | "Op" | "Admin";
const RANK: Record<Role, number> = { Viewer: 0, User: 1, Op: 2, Admin: 3 };

export interface Session {
  username: string;
  role: Role;
  csrf_token: string;
}

interface SessionState {
  session: Session | null;
  loading: boolean;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
  /** What the server allows: User triggers, clears and marks; Op also edits pools, variables and connections; Admin manages users. */
  can(need: Role): boolean;
}

const SessionContext = createContext<SessionState | null>(null);

// Asked as soon as the main script runs, beside the page's chunk, not after the first render.
const firstSession: Promise<Session | null> = api.get<Session>("/auth/me").catch(() => null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [loading, setLoading] = useState(true);

  const accept = useCallback((found: Session | null) => {
    setCsrfToken(found?.csrf_token ?? null);
    setSession(found);
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => accept(null));
    firstSession.then(accept).finally(() => setLoading(false));
  }, [accept]);

  const value = useMemo<SessionState>(
    () => ({
      session,
      loading,
      async login(username, password) {
        accept(await api.post<Session>("/auth/login", { username, password }));
      },
      async logout() {
        await api.post("/auth/logout").catch(() => undefined);
        accept(null);
      },
      can: (need) => session !== null && RANK[session.role] >= RANK[need],
    }),
    [session, loading, accept],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error("useSession outside SessionProvider");
  return state;
}
