// The DAG page's grid (/ui/grid), Gantt (/ui/gantt) and task durations (/ui/durations).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, seg } from "./client";
import { pollEvery } from "./live";
import type { RunSummary } from "./runSummary";
import { isActive } from "../components/states";

export interface GridRun {
  run_id: string;
  run_type: string;
  state: string;
  logical_date?: string;
  data_interval_start?: string;
  data_interval_end?: string;
  queued_at?: string;
  start_date?: string;
  end_date?: string;
  duration?: number;
  has_note: boolean;
}

export interface GridRow {
  id: string;
  label: string;
  type: "task" | "group";
  depth: number;
  parent?: string;
  is_mapped: boolean;
  setup_teardown_type?: "setup" | "teardown";
  /** One per run, in the order of `runs` (null: no instance). */
  states: (string | null)[];
  counts?: (Record<string, number> | null)[];
}

export interface Grid {
  dag_id: string;
  /** Newest first. */
  runs: GridRun[];
  rows: GridRow[];
  total_runs: number;
}

export const gridKey = (dagId: string, limit: number, offset: number) => ["grid", dagId, limit, offset] as const;

const anyActive = (states: (string | null | undefined)[]) => states.some((s) => isActive(s));

// How long the last answer of each query took: a big grid (1,000 tasks) is polled less often, so
// the server spends at most a tenth of its time answering one open tab.
const lastTook = new Map<string, number>();

async function timed<T>(key: string, load: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const answer = await load();
  lastTook.set(key, performance.now() - started);
  return answer;
}

const pace = (key: string, active: boolean): number => Math.max(pollEvery(active), active ? 10 * (lastTook.get(key) ?? 0) : 0);

export function useGrid(dagId: string, limit = 25, offset = 0) {
  const key = `grid/${dagId}/${limit}/${offset}`;
  return useQuery({
    queryKey: gridKey(dagId, limit, offset),
    queryFn: () => timed(key, () => api.get<Grid>(`/ui/grid/${seg(dagId)}`, { limit, offset })),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => pace(key, anyActive((query.state.data?.runs ?? []).map((r) => r.state))),
  });
}

export interface GanttTry {
  task_id: string;
  map_index: number;
  rendered_map_index: string | null;
  try_number: number;
  state: string | null;
  queued_when: string | null;
  start_date: string | null;
  end_date: string | null;
}

export interface Gantt {
  dag_id: string;
  run_id: string;
  state: string;
  queued_at: string | null;
  start_date: string | null;
  end_date: string | null;
  tries: GanttTry[];
}

export function useGantt(dagId: string, runId: string | null) {
  const key = `gantt/${dagId}/${runId}`;
  return useQuery({
    queryKey: ["gantt", dagId, runId],
    queryFn: () => timed(key, () => api.get<Gantt>(`/ui/gantt/${seg(dagId)}/${seg(runId ?? "")}`)),
    enabled: !!runId,
    refetchInterval: (query) => {
      const data = query.state.data;
      return pace(key, !!data && (isActive(data.state) || data.state === "running" || data.state === "queued"));
    },
  });
}

export interface Durations {
  dag_id: string;
  /** Oldest first. */
  runs: RunSummary[];
  tasks: { task_id: string; durations: (number | null)[]; queued: (number | null)[] }[];
}

export function useDurations(dagId: string, limit: number) {
  return useQuery({
    queryKey: ["durations", dagId, limit],
    queryFn: () => timed(`durations/${dagId}/${limit}`, () => api.get<Durations>(`/ui/durations/${seg(dagId)}`, { limit })),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      pace(`durations/${dagId}/${limit}`, anyActive((query.state.data?.runs ?? []).map((r) => r.state))),
  });
}
