import { lazy, Suspense, useState } from "react";
import { NavLink, Outlet, useParams, useSearchParams } from "react-router";
import { useDag, usePauseDag } from "../../api/dags";
import { useSession } from "../../auth/session";
import { ErrorBox, Loading } from "../../components/Feedback";

const TriggerDialog = lazy(() => import("../trigger/TriggerDialog"));

const TABS = [
  ["", "Grid"],
  ["graph", "Graph"],
  ["gantt", "Gantt"],
  ["durations", "Task durations"],
  ["code", "Code"],
  ["details", "Details"],
] as const;

/** The DAG's header (name, pause toggle, trigger) and its views as tabs; the selected run is `?run_id=`. */
export default function DagPage() {
  const { dagId = "" } = useParams();
  const [search] = useSearchParams();
  const { can } = useSession();
  const dag = useDag(dagId);
  const pause = usePauseDag(dagId);
  const [triggering, setTriggering] = useState(false);
  if (dag.isPending) return <Loading what="the DAG" />;
  if (dag.isError) return <ErrorBox error={dag.error} />;
  const d = dag.data;
  const keep = search.toString() ? `?${search}` : "";
  return (
    <div className="dag-page">
      <header className="page-header">
        <label className="toggle" title={d.is_paused ? "Paused: no run is scheduled" : "Active"}>
          <input
            type="checkbox"
            role="switch"
            aria-label="Active"
            data-testid="pause-toggle"
            checked={!d.is_paused}
            disabled={!can("User") || pause.isPending}
            onChange={(e) => pause.mutate(!e.target.checked)}
          />
          <span className="slider" />
        </label>
        <h1 data-testid="dag-title">{d.dag_display_name}</h1>
        {d.dag_display_name !== d.dag_id && <code className="muted">{d.dag_id}</code>}
        <span className="spacer" />
        {d.timetable_summary && <span className="chip" title="Schedule">{d.timetable_summary}</span>}
        {can("User") && (
          <button type="button" className="primary" data-testid="trigger-button" onClick={() => setTriggering(true)}>
            ▶ Trigger
          </button>
        )}
      </header>
      {pause.isError && <ErrorBox error={pause.error} />}
      <nav className="tabs" aria-label="DAG views">
        {TABS.map(([path, label]) => (
          <NavLink key={path} to={`/dags/${encodeURIComponent(dagId)}${path ? `/${path}` : ""}${keep}`} end>
            {label}
          </NavLink>
        ))}
      </nav>
      <Suspense fallback={<Loading />}>
        <Outlet context={d} />
      </Suspense>
      {triggering && (
        <Suspense fallback={null}>
          <TriggerDialog dagId={dagId} onClose={() => setTriggering(false)} />
        </Suspense>
      )}
    </div>
  );
}
