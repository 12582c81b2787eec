// The Gantt tab of the DAG page: the selected run's (or the newest's) tries as bars on a time
// axis, a lighter queued bar (queued -> start) and a running bar (start -> end) per try, so
// parallel tasks show as overlapping bars. chart.js draws a horizontal floating bar chart; a
// hidden table carries each bar's data for tests and screen readers.
import { useEffect, useMemo, useRef } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router";
import type { ChartConfiguration, ChartEvent, ActiveElement, TooltipItem } from "chart.js";
import { useGantt, useGrid } from "../../api/grid";
import { taskInstanceLink } from "../../api/links";
import { ErrorBox, Loading } from "../../components/Feedback";
import { formatDate, formatDuration } from "../../components/format";
import { stateColor, stateLabel } from "../../components/states";
import { buildGanttRows, type GanttBar } from "./ganttRows";
import { Chart, clock, useChartColors } from "./charts";
import { PAGE_SIZE, RunStrip } from "./RunStrip";
import "./grid.css";

type Point = { x: [number, number]; y: string; bar: GanttBar };

const STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400];

/** A round tick spacing in ms giving at most about 10 ticks over ``span`` ms. */
function tickStep(span: number): number {
  const step = STEPS_S.find((s) => span / (s * 1000) <= 10) ?? Math.ceil(span / 10 / 86400000) * 86400;
  return step * 1000;
}

/** The state colour, lighter (for queued bars). */
function lighter(color: string): string {
  if (!color.startsWith("#") || color.length !== 7) return "rgba(128,128,128,0.35)";
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  return `rgba(${r},${g},${b},0.3)`;
}

function GanttChart({ bars, labels, now, onOpen }: {
  bars: GanttBar[]; labels: string[]; now: number; onOpen: (bar: GanttBar) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"bar", Point[], string> | null>(null);
  const colors = useChartColors();
  const openRef = useRef(onOpen);
  openRef.current = onOpen;

  const data = useMemo(() => {
    const queued: Point[] = [];
    const running: Point[] = [];
    for (const bar of bars) {
      if (bar.queued !== null && bar.start !== null && bar.start > bar.queued) queued.push({ x: [bar.queued, bar.start], y: bar.label, bar });
      else if (bar.queued !== null && bar.start === null) queued.push({ x: [bar.queued, now], y: bar.label, bar });
      if (bar.start !== null) running.push({ x: [bar.start, bar.end ?? now], y: bar.label, bar });
    }
    const starts = [...queued, ...running].map((p) => p.x[0]);
    const ends = [...queued, ...running].map((p) => p.x[1]);
    const from = Math.min(...starts);
    const to = Math.max(...ends);
    const pad = Math.max(500, (to - from) * 0.02);
    const step = tickStep(to - from + 2 * pad);
    return {
      // Ticks at whole seconds (or minutes...): the axis starts on a multiple of the step.
      range: { min: Math.floor((from - pad) / step) * step, max: Math.ceil((to + pad) / step) * step, step },
      labels,
      datasets: [
        {
          label: "queued", data: queued, grouped: false, borderSkipped: false, borderWidth: 1, borderRadius: 2,
          backgroundColor: queued.map((p) => lighter(stateColor(p.bar.state === "queued" ? "queued" : p.bar.state))),
          borderColor: queued.map((p) => stateColor(p.bar.state)),
        },
        {
          label: "running", data: running, grouped: false, borderSkipped: false, borderWidth: 0, borderRadius: 2,
          minBarLength: 3, // a task done within the same millisecond it started still shows
          backgroundColor: running.map((p) => stateColor(p.bar.state)),
        },
      ],
    };
  }, [bars, labels, now]);

  useEffect(() => {
    if (!canvas.current) return;
    const config: ChartConfiguration<"bar", Point[], string> = {
      type: "bar",
      data: { labels: data.labels, datasets: data.datasets },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        parsing: { xAxisKey: "x", yAxisKey: "y" },
        scales: {
          x: {
            type: "linear",
            position: "top",
            min: data.range.min,
            max: data.range.max,
            ticks: { color: colors.muted, callback: (value) => clock(Number(value)), stepSize: data.range.step },
            grid: { color: colors.grid },
          },
          y: { type: "category", ticks: { color: colors.fg, autoSkip: false }, grid: { color: colors.grid } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items: TooltipItem<"bar">[]) => (items[0]?.raw as Point | undefined)?.bar.label ?? "",
              label: (item: TooltipItem<"bar">) => {
                const { bar } = item.raw as Point;
                const [from, to] = (item.raw as Point).x;
                const what = item.datasetIndex === 0 ? "queued" : stateLabel(bar.state);
                return `try ${bar.tryNumber}, ${what}: ${clock(from)} → ${bar.end === null && item.datasetIndex === 1 ? "now" : clock(to)} (${formatDuration((to - from) / 1000)})`;
              },
            },
          },
        },
        onHover: (event: ChartEvent, elements: ActiveElement[]) => {
          const target = event.native?.target as HTMLElement | undefined;
          if (target) target.style.cursor = elements.length ? "pointer" : "default";
        },
        onClick: (_event: ChartEvent, elements: ActiveElement[]) => {
          const hit = elements[0];
          if (!hit) return;
          const point = chart.current?.data.datasets[hit.datasetIndex]?.data[hit.index];
          if (point) openRef.current(point.bar);
        },
      },
    };
    const made = new Chart(canvas.current, config);
    chart.current = made;
    return () => {
      made.destroy();
      chart.current = null;
    };
    // Made again when the theme changes; data changes update it in place (below).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [colors]);

  useEffect(() => {
    const made = chart.current;
    if (!made) return;
    made.data = { labels: data.labels, datasets: data.datasets };
    const x = made.options.scales?.x;
    if (x) {
      x.min = data.range.min;
      x.max = data.range.max;
      if (x.ticks) (x.ticks as { stepSize?: number }).stepSize = data.range.step;
    }
    made.update("none");
  }, [data]);

  const rowHeight = labels.length > 200 ? 14 : 24;
  return (
    <div className="chart-box" style={{ height: 50 + labels.length * rowHeight }}>
      <canvas ref={canvas} data-testid="gantt-canvas" role="img" aria-label="Gantt chart of the run's tries" />
    </div>
  );
}

export default function GanttView() {
  const { dagId = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const grid = useGrid(dagId, PAGE_SIZE, 0);
  const wanted = search.get("run_id");
  const runId = wanted ?? grid.data?.runs[0]?.run_id ?? null;
  const gantt = useGantt(dagId, runId);
  const rows = useMemo(() => buildGanttRows(gantt.data?.tries ?? []), [gantt.data]);
  // "now" for bars still running: moves on with each poll.
  const now = useMemo(() => Date.now(), [gantt.dataUpdatedAt]); // eslint-disable-line react-hooks/exhaustive-deps

  if (grid.isPending || (runId && gantt.isPending)) return <Loading what="the Gantt chart" />;
  if (grid.isError) return <ErrorBox error={grid.error} />;
  if (!runId) return <div className="placeholder">No runs yet: trigger one to see its Gantt chart.</div>;
  if (gantt.isError) return <ErrorBox error={gantt.error} />;
  const run = grid.data.runs.find((r) => r.run_id === runId);
  const open = (bar: GanttBar) => navigate(taskInstanceLink(dagId, runId, bar.taskId, bar.mapIndex));
  const drawn = rows.bars.filter((b) => b.start !== null || b.queued !== null);
  return (
    <div className="gantt-view" data-testid="gantt-view" data-run-id={runId}>
      <div className="grid-pager">
        <label>
          Run{" "}
          <select
            value={runId}
            data-testid="gantt-run-select"
            onChange={(e) => setSearch((old) => {
              const next = new URLSearchParams(old);
              next.set("run_id", e.target.value);
              return next;
            })}
          >
            {!run && <option value={runId}>{runId}</option>}
            {grid.data.runs.map((r) => (
              <option key={r.run_id} value={r.run_id}>
                {r.run_id} ({stateLabel(r.state)})
              </option>
            ))}
          </select>
        </label>
        <span className="legend">
          <span><i className="state-square" style={{ background: lighter(stateColor("queued")) }} /> queued</span>
          <span><i className="state-square" style={{ background: stateColor("success") }} /> running, coloured by the try's state</span>
        </span>
      </div>
      {run && <RunStrip dagId={dagId} run={run} />}
      {drawn.length === 0 ? (
        <div className="placeholder">No task of this run has been queued yet.</div>
      ) : (
        <GanttChart bars={drawn} labels={rows.labels.filter((l) => drawn.some((b) => b.label === l))} now={now} onOpen={open} />
      )}
      <table className="visually-hidden" data-testid="gantt-data">
        <caption>Tries of run {runId}</caption>
        <thead>
          <tr><th>Task</th><th>Try</th><th>State</th><th>Queued</th><th>Start</th><th>End</th></tr>
        </thead>
        <tbody>
          {rows.bars.map((bar) => (
            <tr
              key={`${bar.label}/${bar.tryNumber}`}
              data-testid="gantt-row"
              data-task-id={bar.taskId}
              data-map-index={bar.mapIndex ?? -1}
              data-try={bar.tryNumber}
              data-state={bar.state ?? "none"}
              data-queued={bar.queued ?? ""}
              data-start={bar.start ?? ""}
              data-end={bar.end ?? ""}
              data-instances={bar.instances}
            >
              <td>{bar.label}</td>
              <td>{bar.tryNumber}</td>
              <td>{stateLabel(bar.state)}</td>
              <td>{bar.queued ? formatDate(new Date(bar.queued).toISOString()) : ""}</td>
              <td>{bar.start ? formatDate(new Date(bar.start).toISOString()) : ""}</td>
              <td>{bar.end ? formatDate(new Date(bar.end).toISOString()) : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
