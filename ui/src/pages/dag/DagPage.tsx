import { Suspense, useEffect, useState } from "react";
import { NavLink, Outlet, useParams, useSearchParams } from "react-router";
import { useDag, usePauseDag, type Dag } from "../../api/dags";
import { useSession } from "../../auth/session";
import { ErrorBox, Loading } from "../../components/Feedback";
import { lazyPage } from "../../lazyPage";

const TriggerDialog = lazyPage(() => import("../trigger/TriggerDialog"));

const TABS = [
  ["", "Grid"],
  ["graph", "Graph"],
  ["gantt", "Gantt"],
  ["durations", "Task durations"],
  ["code", "Code"],
  ["details", "Details"],
] as const;

/** The DAG's header (name, pause toggle, trigger) and its views as tabs; the selected run is `?run_id=`.
 * The view (its chunk, its data) loads beside the DAG's own request, not after it. */
export default function DagPage() {
  const { dagId = "" } = useParams();
  const [search] = useSearchParams();
  const dag = useDag(dagId);
  if (dag.isError) return <ErrorBox error={dag.error} />;
  const keep = search.toString() ? `?${search}` : "";
  return (
    <div className="dag-page">
      {dag.data ? (
        <DagHeader dag={dag.data} />
      ) : (
        <header className="page-header">
          <h1 data-testid="dag-title">{dagId}</h1>
        </header>
      )}
      <nav className="tabs" aria-label="DAG views">
        {TABS.map(([path, label]) => (
          <NavLink key={path} to={`/dags/${encodeURIComponent(dagId)}${path ? `/${path}` : ""}${keep}`} end>
            {label}
          </NavLink>
        ))}
      </nav>
      <Suspense fallback={<Loading />}>
        <Outlet context={dag.data} />
      </Suspense>
    </div>
  );
}

function DagHeader({ dag }: { dag: Dag }) {
  const { can } = useSession();
  const pause = usePauseDag(dag.dag_id);
  const [triggering, setTriggering] = useState(false);
  const mayTrigger = can("User");
  useEffect(() => {
    // The form's chunk comes while the user looks at the page, so the click opens it at once.
    if (mayTrigger) void TriggerDialog.preload();
  }, [mayTrigger]);
  return (
    <>
      <header className="page-header">
        <label className="toggle" title={dag.is_paused ? "Paused: no run is scheduled" : "Active"}>
          <input
            type="checkbox"
            role="switch"
            aria-label="Active"
            data-testid="pause-toggle"
            checked={!dag.is_paused}
            disabled={!can("User") || pause.isPending}
            onChange={(e) => pause.mutate(!e.target.checked)}
          />
          <span className="slider" />
        </label>
        <h1 data-testid="dag-title">{dag.dag_display_name}</h1>
        {dag.dag_display_name !== dag.dag_id && <code className="muted">{dag.dag_id}</code>}
        <span className="spacer" />
        {dag.timetable_summary && (
          <span className="chip" title="Schedule">
            {dag.timetable_summary}
          </span>
        )}
        {mayTrigger && (
          <button type="button" className="primary" data-testid="trigger-button" onClick={() => setTriggering(true)}>
            ▶ Trigger
          </button>
        )}
      </header>
      {pause.isError && <ErrorBox error={pause.error} />}
      {triggering && (
        <Suspense fallback={null}>
          <TriggerDialog dagId={dag.dag_id} onClose={() => setTriggering(false)} />
        </Suspense>
      )}
    </>
  );
}
