// Task instance and DAG run states with the colours Airflow users know.
export const STATE_COLORS: Record<string, string> = {
  success: "#008000",
  failed: "#ff0000",
  running: "#00ff00",
  queued: "#808080",
  scheduled: "#d2b48c",
  up_for_retry: "#ffd700",
  up_for_reschedule: "#40e0d0",
  upstream_failed: "#ffa500",
  skipped: "#ff69b4",
  removed: "#d3d3d3",
  restarting: "#ee82ee",
  deferred: "#9370db",
  none: "transparent",
};

export const STATE_ORDER = [
  "failed", "upstream_failed", "up_for_retry", "up_for_reschedule", "running", "restarting", "deferred",
  "queued", "scheduled", "success", "skipped", "removed", "none",
];

export const stateColor = (state: string | null | undefined): string => STATE_COLORS[state ?? "none"] ?? "#bbbbbb";

/** Text colour that reads on the state's colour. */
export const stateTextColor = (state: string | null | undefined): string =>
  ["success", "failed", "deferred"].includes(state ?? "") ? "#ffffff" : "#111111";

export const stateLabel = (state: string | null | undefined): string => (state ?? "none").replaceAll("_", " ");

export const FINISHED = new Set(["success", "failed", "skipped", "upstream_failed", "removed"]);
export const isActive = (state: string | null | undefined): boolean =>
  ["running", "queued", "scheduled", "up_for_retry", "up_for_reschedule", "restarting", "deferred"].includes(state ?? "");
