// The Task durations tab of the DAG page: how long each task and each run took across the
// newest runs (one /ui/durations request), as a chart.js line chart with a table under it.
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import type { ChartConfiguration } from "chart.js";
import { useDurations, type Durations } from "../../api/grid";
import { runLink } from "../../api/links";
import { ErrorBox, Loading } from "../../components/Feedback";
import { StateSquare } from "../../components/StateBadge";
import { formatDate, formatDuration } from "../../components/format";
import { Chart, PALETTE, useChartColors } from "./charts";
import "./grid.css";

const RUN_COUNTS = [10, 25, 50, 100];
const SHOWN_TASKS = [5, 10, 20, 50];

interface TaskStats {
  taskId: string;
  durations: (number | null)[];
  mean: number | null;
  max: number | null;
  last: number | null;
}

function stats(data: Durations): TaskStats[] {
  return data.tasks.map((t) => {
    const known = t.durations.filter((d): d is number => d !== null);
    return {
      taskId: t.task_id,
      durations: t.durations,
      mean: known.length ? known.reduce((a, b) => a + b, 0) / known.length : null,
      max: known.length ? Math.max(...known) : null,
      last: t.durations.length ? t.durations[t.durations.length - 1] : null,
    };
  });
}

const runLabel = (run: Durations["runs"][number]) =>
  run.logical_date ? formatDate(run.logical_date).slice(5) : run.run_id.replace(/^(manual|scheduled)__/, "").slice(0, 16);

function DurationsChart({ data, tasks, showQueued }: { data: Durations; tasks: TaskStats[]; showQueued: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const colors = useChartColors();
  useEffect(() => {
    if (!canvas.current) return;
    const queuedOf = new Map(data.tasks.map((t) => [t.task_id, t.queued]));
    const datasets: ChartConfiguration<"line">["data"]["datasets"] = [
      {
        label: "Run duration",
        data: data.runs.map((r) => r.duration),
        borderColor: colors.fg,
        backgroundColor: colors.fg,
        borderDash: [6, 4],
        borderWidth: 2,
        pointRadius: 3,
        spanGaps: true,
      },
      ...tasks.map((t, i) => ({
        label: t.taskId,
        data: t.durations,
        borderColor: PALETTE[i % PALETTE.length],
        backgroundColor: PALETTE[i % PALETTE.length],
        borderWidth: 1.5,
        pointRadius: 2.5,
        spanGaps: true,
      })),
      ...(showQueued
        ? tasks.map((t, i) => ({
            label: `${t.taskId} (queued)`,
            data: queuedOf.get(t.taskId) ?? [],
            borderColor: PALETTE[i % PALETTE.length],
            backgroundColor: PALETTE[i % PALETTE.length],
            borderDash: [2, 3],
            borderWidth: 1,
            pointRadius: 0,
            spanGaps: true,
          }))
        : []),
    ];
    const chart = new Chart(canvas.current, {
      type: "line",
      data: { labels: data.runs.map(runLabel), datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: { ticks: { color: colors.muted, maxRotation: 60 }, grid: { color: colors.grid } },
          y: {
            beginAtZero: true,
            title: { display: true, text: "seconds", color: colors.muted },
            ticks: { color: colors.muted },
            grid: { color: colors.grid },
          },
        },
        plugins: {
          legend: { position: "right", labels: { color: colors.fg, boxWidth: 12 } },
          tooltip: {
            callbacks: {
              title: (items) => data.runs[items[0]?.dataIndex ?? 0]?.run_id ?? "",
              label: (item) => `${item.dataset.label}: ${formatDuration(item.parsed.y)}`,
            },
          },
        },
      },
    } satisfies ChartConfiguration<"line">);
    return () => chart.destroy();
  }, [data, tasks, showQueued, colors]);
  return (
    <div className="chart-box" style={{ height: 380 }}>
      <canvas ref={canvas} data-testid="durations-canvas" role="img" aria-label="Task durations across runs" />
    </div>
  );
}

export default function DurationsView() {
  const { dagId = "" } = useParams();
  const [limit, setLimit] = useState(25);
  const [shown, setShown] = useState(10);
  const [showQueued, setShowQueued] = useState(false);
  const durations = useDurations(dagId, limit);
  const all = useMemo(() => (durations.data ? stats(durations.data) : []), [durations.data]);
  // The longest tasks (by mean), in DAG order: a DAG of 1,000 tasks would be an unreadable chart.
  const longest = useMemo(() => {
    const picked = new Set(
      [...all].filter((t) => t.mean !== null).sort((a, b) => (b.mean ?? 0) - (a.mean ?? 0)).slice(0, shown).map((t) => t.taskId),
    );
    return all.filter((t) => picked.has(t.taskId));
  }, [all, shown]);

  if (durations.isPending) return <Loading what="the task durations" />;
  if (durations.isError) return <ErrorBox error={durations.error} />;
  const data = durations.data;
  return (
    <div className="durations-view" data-testid="durations-view">
      <div className="grid-pager">
        <label>
          Last{" "}
          <select value={limit} data-testid="durations-limit" onChange={(e) => setLimit(Number(e.target.value))}>
            {RUN_COUNTS.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>{" "}
          runs
        </label>
        <label>
          Longest{" "}
          <select value={shown} onChange={(e) => setShown(Number(e.target.value))}>
            {SHOWN_TASKS.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>{" "}
          tasks
        </label>
        <label>
          <input type="checkbox" checked={showQueued} onChange={(e) => setShowQueued(e.target.checked)} /> queued time
        </label>
        <span className="muted">
          {data.runs.length} runs, {data.tasks.length} tasks
          {longest.length === 0
            ? " (no task has ended in these runs)"
            : longest.length < data.tasks.length
              ? ` (chart: the ${longest.length} longest by mean)`
              : ""}
        </span>
      </div>
      {data.runs.length === 0 ? (
        <div className="placeholder">No runs yet: trigger one to see its durations.</div>
      ) : (
        <>
          <DurationsChart data={data} tasks={longest} showQueued={showQueued} />
          <table className="table" data-testid="durations-table" style={{ marginTop: 12 }}>
            <thead>
              <tr><th>Task</th><th>Mean</th><th>Max</th><th>Last run</th></tr>
            </thead>
            <tbody>
              <tr data-testid="durations-run-row">
                <td><strong>Whole run</strong></td>
                <RunStats data={data} />
              </tr>
              {longest.map((t) => (
                <tr key={t.taskId} data-testid="durations-row" data-task-id={t.taskId}>
                  <td><code>{t.taskId}</code></td>
                  <td>{formatDuration(t.mean) || "—"}</td>
                  <td>{formatDuration(t.max) || "—"}</td>
                  <td>{formatDuration(t.last) || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">
            Newest run:{" "}
            <Link to={runLink(dagId, data.runs[data.runs.length - 1].run_id)}>
              {data.runs[data.runs.length - 1].run_id}
            </Link>{" "}
            <StateSquare state={data.runs[data.runs.length - 1].state} />
          </p>
        </>
      )}
    </div>
  );
}

function RunStats({ data }: { data: Durations }) {
  const known = data.runs.map((r) => r.duration).filter((d): d is number => d !== null);
  const last = data.runs[data.runs.length - 1]?.duration ?? null;
  return (
    <>
      <td>{formatDuration(known.length ? known.reduce((a, b) => a + b, 0) / known.length : null) || "—"}</td>
      <td>{formatDuration(known.length ? Math.max(...known) : null) || "—"}</td>
      <td>{formatDuration(last) || "—"}</td>
    </>
  );
}
