// Task instances, their tries, logs, XComs and mapped instances, as /api/v2 answers them.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ApiError, api, seg, withQuery } from "./client";
import { pollEvery } from "./live";
import { isActive } from "../components/states";

export interface TaskInstance {
  id: string;
  task_id: string;
  dag_id: string;
  dag_run_id: string;
  map_index: number;
  logical_date: string | null;
  run_after: string | null;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  state: string | null;
  try_number: number;
  max_tries: number;
  task_display_name: string;
  dag_display_name: string;
  hostname: string | null;
  unixname: string | null;
  pool: string;
  pool_slots: number;
  queue: string | null;
  priority_weight: number | null;
  operator: string | null;
  operator_name: string | null;
  queued_when: string | null;
  pid: number | null;
  executor: string | null;
  note: string | null;
  rendered_map_index: string | null;
  rendered_fields: Record<string, unknown>;
}

export interface TaskTry {
  try_number: number;
  state: string | null;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  hostname: string | null;
  pid: number | null;
  map_index: number;
}

export interface Task {
  task_id: string;
  task_display_name: string;
  operator_name: string | null;
  is_mapped: boolean | null;
  template_fields: string[] | null;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface MappedSummary {
  total: number;
  /** Instances by state ("none": no state yet), what matters most first. */
  counts: Record<string, number>;
}

/** A mapped task's instances in the run counted by state (Slipstream's /ui endpoint: one grouped count). */
export function useMappedSummary(dagId: string, runId: string, taskId: string) {
  return useQuery({
    queryKey: ["mapped-summary", dagId, runId, taskId],
    queryFn: () => api.get<MappedSummary>(`/ui/mapped/${seg(dagId)}/${seg(runId)}/${seg(taskId)}`),
    refetchInterval: (q) => pollEvery(Object.keys(q.state.data?.counts ?? {}).some((s) => isActive(s) || s === "none")),
  });
}

export interface XCom {
  key: string;
  map_index: number;
  timestamp: string;
  value?: unknown;
}

const tis = (dagId: string, runId: string) => `/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances`;
/** `.../taskInstances/{task}` or `.../taskInstances/{task}/{mapIndex}`. */
const tiPath = (dagId: string, runId: string, taskId: string, mapIndex: number) =>
  `${tis(dagId, runId)}/${seg(taskId)}${mapIndex >= 0 ? `/${mapIndex}` : ""}`;

export function useTask(dagId: string, taskId: string) {
  return useQuery({
    queryKey: ["task", dagId, taskId],
    queryFn: () => api.get<Task>(`/api/v2/dags/${seg(dagId)}/tasks/${seg(taskId)}`),
    staleTime: 60_000,
  });
}

/** The task instance; null for a mapped task asked without a map index (the server says 404). */
export function useTaskInstance(dagId: string, runId: string, taskId: string, mapIndex: number, enabled = true) {
  return useQuery({
    queryKey: ["ti", dagId, runId, taskId, mapIndex],
    queryFn: async () => {
      try {
        return await api.get<TaskInstance>(tiPath(dagId, runId, taskId, mapIndex));
      } catch (err) {
        if (err instanceof ApiError && err.status === 404 && mapIndex < 0 && /is mapped/.test(err.message)) return null;
        throw err;
      }
    },
    enabled,
    refetchInterval: (q) => pollEvery(isActive(q.state.data?.state)),
  });
}

export function useTries(dagId: string, runId: string, taskId: string, mapIndex: number, enabled: boolean, live: boolean) {
  return useQuery({
    queryKey: ["tries", dagId, runId, taskId, mapIndex],
    queryFn: async () =>
      (await api.get<{ task_instances: TaskTry[] }>(`${tiPath(dagId, runId, taskId, mapIndex)}/tries`)).task_instances,
    enabled,
    refetchInterval: pollEvery(live),
  });
}

export interface MappedQuery {
  offset: number;
  limit: number;
  orderBy: string;
  state: string;
}

export function useMapped(dagId: string, runId: string, taskId: string, q: MappedQuery, enabled: boolean) {
  return useQuery({
    queryKey: ["mapped", dagId, runId, taskId, q],
    queryFn: async () => {
      const found = await api.get<{ task_instances: TaskInstance[]; total_entries: number }>(
        `${tis(dagId, runId)}/${seg(taskId)}/listMapped`,
        { limit: q.limit, offset: q.offset, order_by: q.orderBy, state: q.state || undefined },
      );
      return { items: found.task_instances, total: found.total_entries } as Page<TaskInstance>;
    },
    enabled,
    placeholderData: keepPreviousData,
    refetchInterval: (query) => pollEvery(!!query.state.data?.items.some((ti) => isActive(ti.state))),
  });
}

/** The instance's XComs with their values (the listing leaves values out: one GET per key). */
export function useXComs(dagId: string, runId: string, taskId: string, mapIndex: number, live: boolean) {
  return useQuery({
    queryKey: ["xcoms", dagId, runId, taskId, mapIndex],
    queryFn: async () => {
      const base = `${tis(dagId, runId)}/${seg(taskId)}/xcomEntries`;
      const list = await api.get<{ xcom_entries: XCom[] }>(base, { map_index: mapIndex, limit: 100 });
      return Promise.all(
        list.xcom_entries.map((x) =>
          api.get<XCom>(`${base}/${seg(x.key)}`, { map_index: mapIndex, deserialize: true }).catch(() => x),
        ),
      );
    },
    refetchInterval: pollEvery(live),
  });
}

export interface LogChunk {
  text: string;
  /** null once the try is over and everything was read. */
  token: string | null;
}

/** The raw text of a try's log from where `token` says the last read stopped. */
export async function fetchLog(
  dagId: string, runId: string, taskId: string, mapIndex: number, tryNumber: number, token: string | null,
  signal?: AbortSignal,
): Promise<LogChunk> {
  const path = withQuery(`${tis(dagId, runId)}/${seg(taskId)}/logs/${tryNumber}`, {
    map_index: mapIndex >= 0 ? mapIndex : undefined,
    token: token ?? undefined,
  });
  const response = await fetch(path, { headers: { Accept: "text/plain" }, credentials: "same-origin", signal });
  if (!response.ok) {
    let detail: unknown = response.statusText;
    try {
      detail = (await response.json()).detail;
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, detail);
  }
  return { text: await response.text(), token: response.headers.get("Airflow-Continuation-Token") };
}
