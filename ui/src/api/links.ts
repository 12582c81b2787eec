// The UI's own URLs, in one place (the routes are in App.tsx).
const e = encodeURIComponent;

export type DagView = "" | "graph" | "gantt" | "durations" | "code" | "details";

export const dagLink = (dagId: string, view: DagView = "", runId?: string | null): string =>
  `/dags/${e(dagId)}${view ? `/${view}` : ""}${runId ? `?run_id=${e(runId)}` : ""}`;

export const runLink = (dagId: string, runId: string): string => `/dags/${e(dagId)}/runs/${e(runId)}`;

export const taskInstanceLink = (dagId: string, runId: string, taskId: string, mapIndex?: number | null): string =>
  `/dags/${e(dagId)}/runs/${e(runId)}/tasks/${e(taskId)}` +
  (mapIndex !== undefined && mapIndex !== null && mapIndex >= 0 ? `/mapped/${mapIndex}` : "");
