import { describe, expect, it } from "vitest";
import type { GanttTry } from "../../api/grid";
import { buildGanttRows, MAX_MAPPED_ROWS, summaryState } from "./ganttRows";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const attempt = (task_id: string, start: number, end: number | null, extra: Partial<GanttTry> = {}): GanttTry => ({
  task_id, map_index: -1, rendered_map_index: null, try_number: 1, state: end === null ? "running" : "success",
  queued_when: at(start - 1), start_date: at(start), end_date: end === null ? null : at(end), ...extra,
});

describe("buildGanttRows", () => {
  it("orders rows by start and keeps every try of a task on its row", () => {
    const { labels, bars } = buildGanttRows([
      attempt("b", 5, 9),
      attempt("a", 2, 3, { try_number: 1, state: "up_for_retry" }),
      attempt("a", 4, 6, { try_number: 2 }),
      attempt("c", 1, null),
    ]);
    expect(labels).toEqual(["c", "a", "b"]);
    expect(bars.filter((b) => b.label === "a").map((b) => [b.tryNumber, b.state])).toEqual([[1, "up_for_retry"], [2, "success"]]);
    expect(bars.find((b) => b.label === "c")?.end).toBeNull();
  });

  it("names mapped instances, and sums up a task mapped too many ways", () => {
    const few = [0, 1].map((i) => attempt("m", 1, 2, { map_index: i, rendered_map_index: i ? "Partition: B" : null }));
    expect(buildGanttRows(few).labels).toEqual(["m [0]", "m [Partition: B]"]);
    const many = Array.from({ length: MAX_MAPPED_ROWS + 1 }, (_, i) =>
      attempt("big", 1 + i, i === 3 ? null : 2 + i, { map_index: i }));
    const { labels, bars } = buildGanttRows(many);
    expect(labels).toEqual([`big (${MAX_MAPPED_ROWS + 1} mapped)`]);
    expect(bars[0]).toMatchObject({ mapIndex: null, state: "running", end: null, instances: MAX_MAPPED_ROWS + 1 });
  });

  it("shows the state that matters most", () => {
    expect(summaryState(["success", "failed", "running"])).toBe("failed");
    expect(summaryState(["success", null])).toBe("none");
  });
});
