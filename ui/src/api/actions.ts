// DAG runs and task instances as /api/v2 answers them, and the calls that change them: clear,
// mark success/failed (each with its dry run, for the preview), the run's note.
import { useQuery } from "@tanstack/react-query";
import { api, seg } from "./client";

export interface DagRun {
  dag_run_id: string;
  dag_id: string;
  dag_display_name: string;
  logical_date: string | null;
  queued_at: string | null;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  data_interval_start: string | null;
  data_interval_end: string | null;
  run_after: string;
  run_type: string;
  state: string;
  triggered_by: string | null;
  conf: Record<string, unknown> | null;
  note: string | null;
  partition_key: string | null;
}

export interface TaskInstance {
  id: string;
  task_id: string;
  task_display_name: string;
  dag_id: string;
  dag_run_id: string;
  map_index: number;
  rendered_map_index: string | null;
  logical_date: string | null;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  state: string | null;
  try_number: number;
  max_tries: number;
  operator: string | null;
  note: string | null;
}

export interface TaskInstances {
  task_instances: TaskInstance[];
  total_entries: number | null;
}

const runPath = (dagId: string, runId: string) => `/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}`;

export const runKey = (dagId: string, runId: string) => ["dagRun", dagId, runId] as const;

export function useDagRun(dagId: string, runId: string, refetchInterval?: (run: DagRun | undefined) => number) {
  return useQuery({
    queryKey: runKey(dagId, runId),
    queryFn: () => api.get<DagRun>(runPath(dagId, runId)),
    refetchInterval: refetchInterval ? (query) => refetchInterval(query.state.data) : undefined,
  });
}

export interface TaskInstanceQuery {
  limit: number;
  offset: number;
  state?: string[];
  task_display_name_pattern?: string;
  order_by?: string[];
}

export const runTaskInstancesKey = (dagId: string, runId: string, q?: TaskInstanceQuery) =>
  q ? (["dagRun", dagId, runId, "taskInstances", q] as const) : (["dagRun", dagId, runId, "taskInstances"] as const);

export function fetchRunTaskInstances(dagId: string, runId: string, q: TaskInstanceQuery): Promise<TaskInstances> {
  return api.get<TaskInstances>(`${runPath(dagId, runId)}/taskInstances`, {
    limit: q.limit,
    offset: q.offset,
    state: q.state,
    task_display_name_pattern: q.task_display_name_pattern,
    order_by: q.order_by,
  });
}

// ---- task instance actions ----

export interface ClearOptions {
  include_upstream: boolean;
  include_downstream: boolean;
  include_past: boolean;
  include_future: boolean;
  only_failed: boolean;
}

/** POST clearTaskInstances: one task's instances in one run (one of them with mapIndex >= 0). */
export function clearTaskInstances(
  dagId: string,
  runId: string,
  taskId: string,
  mapIndex: number | undefined,
  options: ClearOptions,
  dryRun: boolean,
): Promise<TaskInstances> {
  const one = mapIndex !== undefined && mapIndex >= 0;
  return api.post<TaskInstances>(`/api/v2/dags/${seg(dagId)}/clearTaskInstances`, {
    dry_run: dryRun,
    dag_run_id: runId,
    task_ids: [one ? [taskId, mapIndex] : taskId],
    reset_dag_runs: true,
    ...options,
  });
}

export interface MarkOptions {
  include_upstream: boolean;
  include_downstream: boolean;
  include_past: boolean;
  include_future: boolean;
}

/** PATCH the task instance's state (all instances of a mapped task without mapIndex), or its dry run. */
export function markTaskInstances(
  dagId: string,
  runId: string,
  taskId: string,
  mapIndex: number | undefined,
  newState: "success" | "failed",
  options: MarkOptions,
  dryRun: boolean,
): Promise<TaskInstances> {
  const one = mapIndex !== undefined && mapIndex >= 0;
  const path = `${runPath(dagId, runId)}/taskInstances/${seg(taskId)}${one ? `/${mapIndex}` : ""}${dryRun ? "/dry_run" : ""}`;
  return api.patch<TaskInstances>(path, { new_state: newState, ...options });
}

// ---- previews (/ui: the count by state and the first task instances, not all of them) ----

export interface ActionPreviewAnswer {
  total_entries: number;
  states: Record<string, number>;
  task_instances: TaskInstance[];
}

/** How many task instances a preview lists (its count is always the whole). */
export const PREVIEW_LIMIT = 1000;

/** What clearTaskInstances would clear: one task's instances (one of them with mapIndex >= 0), or the whole run without taskId. */
export function previewClear(
  dagId: string,
  runId: string,
  taskId: string | null,
  mapIndex: number | undefined,
  options: Partial<ClearOptions>,
): Promise<ActionPreviewAnswer> {
  const one = mapIndex !== undefined && mapIndex >= 0;
  return api.post<ActionPreviewAnswer>(`/ui/dags/${seg(dagId)}/actionPreview/clear`, {
    dag_run_id: runId,
    task_ids: taskId === null ? null : [one ? [taskId, mapIndex] : taskId],
    limit: PREVIEW_LIMIT,
    ...options,
  });
}

/** What marking the task instance(s) would change. */
export function previewMark(
  dagId: string,
  runId: string,
  taskId: string,
  mapIndex: number | undefined,
  newState: "success" | "failed",
  options: MarkOptions,
): Promise<ActionPreviewAnswer> {
  const one = mapIndex !== undefined && mapIndex >= 0;
  return api.post<ActionPreviewAnswer>(`${uiRunPath(dagId, runId)}/actionPreview/mark`, {
    task_id: taskId,
    map_index: one ? mapIndex : null,
    new_state: newState,
    limit: PREVIEW_LIMIT,
    ...options,
  });
}

const uiRunPath = (dagId: string, runId: string) => `/ui/dags/${seg(dagId)}/dagRuns/${seg(runId)}`;

// ---- run actions ----

export function clearRun(dagId: string, runId: string, onlyFailed: boolean, dryRun: boolean): Promise<TaskInstances | DagRun> {
  return api.post(`${runPath(dagId, runId)}/clear`, { dry_run: dryRun, only_failed: onlyFailed });
}

/** Task instance states a run's marking changes (the unfinished ones, as the server's store says). */
export const UNFINISHED_TI_STATES = ["none", "scheduled", "queued", "running", "up_for_retry", "up_for_reschedule"];
const ACTIVE_TI_STATES = new Set(["queued", "running"]);

/** The state marking the run gives a task instance: success for all; failed for the queued and running, skipped for the rest. */
export function stateAfterRunMark(runState: "success" | "failed", tiState: string | null): string {
  if (runState === "success") return "success";
  return ACTIVE_TI_STATES.has(tiState ?? "none") ? "failed" : "skipped";
}

export function markRun(dagId: string, runId: string, state: "success" | "failed"): Promise<DagRun> {
  return api.patch<DagRun>(runPath(dagId, runId), { state }, { update_mask: ["state"] });
}

export function setRunNote(dagId: string, runId: string, note: string | null): Promise<DagRun> {
  return api.patch<DagRun>(runPath(dagId, runId), { note }, { update_mask: ["note"] });
}
