// The Gantt chart's rows and bars from /ui/gantt's tries (pure, for tests).
import type { GanttTry } from "../../api/grid";

/** A mapped task with more instances than this is one row (its span), not one row each. */
export const MAX_MAPPED_ROWS = 50;

const PRIORITY = [
  "failed", "upstream_failed", "up_for_retry", "up_for_reschedule", "running", "queued", "scheduled", "none",
  "success", "skipped", "removed",
];

export interface GanttBar {
  label: string;
  taskId: string;
  /** null: a row standing for all of a mapped task's instances. */
  mapIndex: number | null;
  tryNumber: number;
  state: string | null;
  /** Times in ms since the epoch. */
  queued: number | null;
  start: number | null;
  end: number | null;
  instances: number;
}

/** The state shown for several: the first of PRIORITY any is in (failures and work in progress first). */
export function summaryState(states: (string | null)[]): string | null {
  let best: string | null = null;
  for (const raw of states) {
    const state = raw ?? "none";
    if (best === null || PRIORITY.indexOf(state) < PRIORITY.indexOf(best)) best = state;
  }
  return best;
}

const ms = (value: string | null): number | null => (value ? new Date(value).getTime() : null);
const minOf = (values: (number | null)[]) => {
  const found = values.filter((v): v is number => v !== null);
  return found.length ? Math.min(...found) : null;
};

export function buildGanttRows(tries: GanttTry[]): { labels: string[]; bars: GanttBar[] } {
  const byTask = new Map<string, GanttTry[]>();
  for (const t of tries) {
    const list = byTask.get(t.task_id);
    if (list) list.push(t);
    else byTask.set(t.task_id, [t]);
  }
  const rows: { label: string; first: number | null; bars: GanttBar[] }[] = [];
  for (const [taskId, list] of byTask) {
    const indexes = new Set(list.map((t) => t.map_index));
    if (indexes.size > MAX_MAPPED_ROWS) {
      // The current try of each instance, summed up in one bar.
      const current = new Map<number, GanttTry>();
      for (const t of list) {
        const seen = current.get(t.map_index);
        if (!seen || t.try_number > seen.try_number) current.set(t.map_index, t);
      }
      const latest = [...current.values()];
      const ends = latest.map((t) => ms(t.end_date));
      const label = `${taskId} (${latest.length} mapped)`;
      const bar: GanttBar = {
        label, taskId, mapIndex: null, tryNumber: Math.max(...latest.map((t) => t.try_number)),
        state: summaryState(latest.map((t) => t.state)),
        queued: minOf(latest.map((t) => ms(t.queued_when))), start: minOf(latest.map((t) => ms(t.start_date))),
        end: ends.every((e) => e !== null) ? Math.max(...(ends as number[])) : null, instances: latest.length,
      };
      rows.push({ label, first: bar.start ?? bar.queued, bars: [bar] });
      continue;
    }
    const perInstance = new Map<number, GanttTry[]>();
    for (const t of list) {
      const found = perInstance.get(t.map_index);
      if (found) found.push(t);
      else perInstance.set(t.map_index, [t]);
    }
    for (const [mapIndex, own] of perInstance) {
      const name = own.find((t) => t.rendered_map_index)?.rendered_map_index ?? String(mapIndex);
      const label = mapIndex < 0 ? taskId : `${taskId} [${name}]`;
      const bars = own
        .sort((a, b) => a.try_number - b.try_number)
        .map((t) => ({
          label, taskId, mapIndex: mapIndex < 0 ? -1 : mapIndex, tryNumber: t.try_number, state: t.state,
          queued: ms(t.queued_when), start: ms(t.start_date), end: ms(t.end_date), instances: 1,
        }));
      rows.push({ label, first: minOf(bars.map((b) => b.start ?? b.queued)), bars });
    }
  }
  rows.sort((a, b) => {
    if (a.first === null || b.first === null) return a.first === null ? (b.first === null ? 0 : 1) : -1;
    return a.first - b.first;
  });
  return { labels: rows.map((r) => r.label), bars: rows.flatMap((r) => r.bars) };
}
