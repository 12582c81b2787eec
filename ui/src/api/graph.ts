// The graph view's data: the DAG's shape (/ui/structure), its recent runs (the run picker) and
// one run's task states (/ui/run_states), polled while the run runs.
import { useQuery } from "@tanstack/react-query";
import { isActive } from "../components/states";
import { api, seg } from "./client";
import { pollEvery } from "./live";

export interface StructureNode {
  id: string;
  label: string;
  type: "task" | "group";
  is_mapped: boolean;
  operator?: string | null;
  setup_teardown_type?: "setup" | "teardown" | null;
  tooltip?: string | null;
  children?: StructureNode[] | null;
}

export interface StructureEdge {
  source_id: string;
  target_id: string;
  label?: string | null;
  is_setup_teardown: boolean;
}

export interface Structure {
  dag_id: string;
  nodes: StructureNode[];
  edges: StructureEdge[];
}

export interface RunStates {
  dag_id: string;
  run_id: string;
  run_state: string;
  start_date: string | null;
  end_date: string | null;
  task_states: Record<string, string>;
  group_states: Record<string, string>;
  counts: Record<string, Record<string, number>>;
}

export interface RecentRun {
  dag_run_id: string;
  state: string;
  run_type: string;
  logical_date: string | null;
  run_after: string;
  start_date: string | null;
  end_date: string | null;
}

export const RECENT_RUNS = 25;

export function useStructure(dagId: string) {
  return useQuery({
    queryKey: ["structure", dagId],
    queryFn: () => api.get<Structure>(`/ui/structure/${seg(dagId)}`),
    staleTime: 60_000,
  });
}

/** The DAG's newest runs, newest first: polled fast while one of them is queued or running. */
export function useRecentRuns(dagId: string) {
  return useQuery({
    queryKey: ["dagRuns", dagId, "recent"],
    queryFn: () =>
      api.get<{ dag_runs: RecentRun[]; total_entries: number }>(`/api/v2/dags/${seg(dagId)}/dagRuns`, {
        order_by: "-id",
        limit: RECENT_RUNS,
      }),
    refetchInterval: (query) => pollEvery((query.state.data?.dag_runs ?? []).some((r) => isActive(r.state))),
  });
}

/** One run's task states: polled every LIVE_MS while the run is queued or running. */
export function useRunStates(dagId: string, runId: string | null) {
  return useQuery({
    queryKey: ["runStates", dagId, runId],
    queryFn: () => api.get<RunStates>(`/ui/run_states/${seg(dagId)}/${seg(runId ?? "")}`),
    enabled: runId !== null,
    refetchInterval: (query) => pollEvery(isActive(query.state.data?.run_state)),
  });
}
