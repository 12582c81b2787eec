import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { useSession } from "./auth/session";
import { Loading } from "./components/Feedback";
import { AppShell } from "./layout/AppShell";
import Login from "./pages/Login";

// Every page is its own chunk, loaded when first shown: the main script stays small.
const DagList = lazy(() => import("./pages/DagList"));
const DagPage = lazy(() => import("./pages/dag/DagPage"));
const Grid = lazy(() => import("./pages/dag/GridView"));
const Graph = lazy(() => import("./pages/dag/GraphView"));
const Gantt = lazy(() => import("./pages/dag/GanttView"));
const Durations = lazy(() => import("./pages/dag/DurationsView"));
const Code = lazy(() => import("./pages/dag/CodeView"));
const Details = lazy(() => import("./pages/dag/DetailsView"));
const RunPage = lazy(() => import("./pages/run/RunPage"));
const TaskInstance = lazy(() => import("./pages/task/TaskInstancePage"));
const Pools = lazy(() => import("./pages/admin/Pools"));
const Variables = lazy(() => import("./pages/admin/Variables"));
const Connections = lazy(() => import("./pages/admin/Connections"));
const Users = lazy(() => import("./pages/admin/Users"));
const Assets = lazy(() => import("./pages/admin/Assets"));

function RequireLogin({ children }: { children: ReactNode }) {
  const { session, loading } = useSession();
  const location = useLocation();
  if (loading) return <Loading />;
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
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
