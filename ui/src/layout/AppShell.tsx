import { useState } from "react";
import { NavLink, Outlet, useNavigate } from "react-router";
import { useSession } from "../auth/session";
import { currentTheme, setTheme, type Theme } from "./theme";

export function AppShell() {
  const { session, logout, can } = useSession();
  const navigate = useNavigate();
  const [theme, setThemeState] = useState<Theme>(currentTheme());
  const toggleTheme = () => {
    const next = theme === "dark" ? "light" : "dark";
    setTheme(next);
    setThemeState(next);
  };
  return (
    <div className="shell">
      <nav className="topbar" aria-label="Main">
        <NavLink to="/dags" className="brand">
          Slipstream
        </NavLink>
        <NavLink to="/dags">DAGs</NavLink>
        <NavLink to="/assets">Assets</NavLink>
        <details className="menu">
          <summary>Admin</summary>
          <div className="menu-items">
            <NavLink to="/admin/pools">Pools</NavLink>
            <NavLink to="/admin/variables">Variables</NavLink>
            <NavLink to="/admin/connections">Connections</NavLink>
            {can("Admin") && <NavLink to="/admin/users">Users</NavLink>}
          </div>
        </details>
        <span className="spacer" />
        <a href="/docs" target="_blank" rel="noreferrer">
          API
        </a>
        <button type="button" className="icon-button" onClick={toggleTheme} aria-label="Toggle dark theme" title="Light or dark">
          {theme === "dark" ? "☀" : "☾"}
        </button>
        <span className="who" data-testid="who">
          {session && `${session.username} (${session.role})`}
        </span>
        <button
          type="button"
          onClick={async () => {
            await logout();
            navigate("/login");
          }}
        >
          Log out
        </button>
      </nav>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
