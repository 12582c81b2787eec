import { Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { useSession } from "./auth/session";
import { Loading } from "./components/Feedback";
import { AppShell } from "./layout/AppShell";
import { lazyPage, type LazyPage } from "./lazyPage";
import Login from "./pages/Login";

// Every page is its own chunk, loaded when first shown: the main script stays small.
const DagList = lazyPage(() => import("./pages/DagList"));
const DagPage = lazyPage(() => import("./pages/dag/DagPage"));
const Grid = lazyPage(() => import("./pages/dag/GridView"));
const Graph = lazyPage(() => import("./pages/dag/GraphView"));
const Gantt = lazyPage(() => import("./pages/dag/GanttView"));
const Durations = lazyPage(() => import("./pages/dag/DurationsView"));
const Code = lazyPage(() => import("./pages/dag/CodeView"));
const Details = lazyPage(() => import("./pages/dag/DetailsView"));
const RunPage = lazyPage(() => import("./pages/run/RunPage"));
const TaskInstance = lazyPage(() => import("./pages/task/TaskInstancePage"));
const Pools = lazyPage(() => import("./pages/admin/Pools"));
const Variables = lazyPage(() => import("./pages/admin/Variables"));
const Connections = lazyPage(() => import("./pages/admin/Connections"));
const Users = lazyPage(() => import("./pages/admin/Users"));
const Assets = lazyPage(() => import("./pages/admin/Assets"));

// The chunks the page at a path needs, so main.tsx loads them beside the main script, not after it.
const PRELOADS: [RegExp, LazyPage[]][] = [
  [/^\/(dags\/?)?$/, [DagList]],
  [/^\/admin\/pools/, [Pools]],
  [/^\/admin\/variables/, [Variables]],
  [/^\/admin\/connections/, [Connections]],
  [/^\/admin\/users/, [Users]],
  [/^\/assets/, [Assets]],
  [/^\/dags\/[^/]+\/runs\/[^/]+\/tasks\//, [TaskInstance]],
  [/^\/dags\/[^/]+\/runs\/[^/]+$/, [RunPage]],
  [/^\/dags\/[^/]+\/graph/, [DagPage, Graph]],
  [/^\/dags\/[^/]+\/gantt/, [DagPage, Gantt]],
  [/^\/dags\/[^/]+\/durations/, [DagPage, Durations]],
  [/^\/dags\/[^/]+\/code/, [DagPage, Code]],
  [/^\/dags\/[^/]+\/details/, [DagPage, Details]],
  [/^\/dags\/[^/]+\/?$/, [DagPage, Grid]],
];

export function preloadPagesOf(path: string): Promise<unknown> {
  const found = PRELOADS.find(([pattern]) => pattern.test(path));
  return Promise.all((found?.[1] ?? []).map((page) => page.preload()));
}

// While the session is being checked the page already renders and asks its data (a logged-out
// browser gets 401s, which end the check): the first paint does not wait for two round trips.
function RequireLogin({ children }: { children: ReactNode }) {
  const { session, loading } = useSession();
  const location = useLocation();
  if (!session && !loading) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

export function App() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/login" element={<Login />} />
        <Route
          element={
            <RequireLogin>
              <AppShell />
            </RequireLogin>
          }
        >
          <Route index element={<Navigate to="/dags" replace />} />
          <Route path="/dags" element={<DagList />} />
          <Route path="/dags/:dagId" element={<DagPage />}>
            <Route index element={<Grid />} />
            <Route path="graph" element={<Graph />} />
            <Route path="gantt" element={<Gantt />} />
            <Route path="durations" element={<Durations />} />
            <Route path="code" element={<Code />} />
            <Route path="details" element={<Details />} />
          </Route>
          <Route path="/dags/:dagId/runs/:runId" element={<RunPage />} />
          <Route path="/dags/:dagId/runs/:runId/tasks/:taskId" element={<TaskInstance />} />
          <Route path="/dags/:dagId/runs/:runId/tasks/:taskId/mapped/:mapIndex" element={<TaskInstance />} />
          <Route path="/admin/pools" element={<Pools />} />
          <Route path="/admin/variables" element={<Variables />} />
          <Route path="/admin/connections" element={<Connections />} />
          <Route path="/admin/users" element={<Users />} />
          <Route path="/assets" element={<Assets />} />
          <Route path="*" element={<div className="error-box">No such page. <a href="/dags">Back to the DAGs</a></div>} />
        </Route>
      </Routes>
    </Suspense>
  );
}
