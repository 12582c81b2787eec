// The Grid tab of the DAG page: runs x tasks, live, with the selected run's details.
import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { useGrid, type GridRow, type GridRun } from "../../api/grid";
import { runLink, taskInstanceLink } from "../../api/links";
import { ErrorBox, Loading } from "../../components/Feedback";
import { StateBadge } from "../../components/StateBadge";
import { durationBetween, formatDate, formatDuration } from "../../components/format";
import { GridTable } from "./GridTable";
import "./grid.css";

export const PAGE_SIZE = 25;

const storageKey = (dagId: string) => `slipstream.grid.collapsed.${dagId}`;

function loadCollapsed(dagId: string): Set<string> {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey(dagId)) ?? "[]");
    return new Set(Array.isArray(saved) ? saved.map(String) : []);
  } catch {
    return new Set();
  }
}

/** The collapsed groups of a DAG's grid, remembered in localStorage. */
export function useCollapsedGroups(dagId: string): [Set<string>, (groupId: string) => void] {
  const [collapsed, setCollapsed] = useState(() => loadCollapsed(dagId));
  useEffect(() => setCollapsed(loadCollapsed(dagId)), [dagId]);
  const toggle = useCallback(
    (groupId: string) =>
      setCollapsed((old) => {
        const next = new Set(old);
        if (next.has(groupId)) next.delete(groupId);
        else next.add(groupId);
        try {
          localStorage.setItem(storageKey(dagId), JSON.stringify([...next]));
        } catch {
          /* storage full or off: the state lives on in memory */
        }
        return next;
      }),
    [dagId],
  );
  return [collapsed, toggle];
}

export function RunStrip({ dagId, run }: { dagId: string; run: GridRun }) {
  const duration = run.duration ?? durationBetween(run.start_date, run.end_date);
  return (
    <dl className="run-strip" data-testid="run-strip" data-run-id={run.run_id}>
      <div>
        <dt>Run</dt>
        <dd>
          <Link to={runLink(dagId, run.run_id)} data-testid="run-strip-link">{run.run_id}</Link>
        </dd>
      </div>
      <div>
        <dt>State</dt>
        <dd><StateBadge state={run.state} /></dd>
      </div>
      <div>
        <dt>Type</dt>
        <dd>{run.run_type}</dd>
      </div>
      {run.logical_date && (
        <div>
          <dt>Logical date</dt>
          <dd>{formatDate(run.logical_date)}</dd>
        </div>
      )}
      <div>
        <dt>Start</dt>
        <dd>{formatDate(run.start_date) || "—"}</dd>
      </div>
      <div>
        <dt>End</dt>
        <dd>{formatDate(run.end_date) || "—"}</dd>
      </div>
      <div>
        <dt>Duration</dt>
        <dd>{formatDuration(duration) || "—"}</dd>
      </div>
      <div>
        <Link to={runLink(dagId, run.run_id)}>Conf and details →</Link>
      </div>
    </dl>
  );
}

export default function GridView() {
  const { dagId = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const [offset, setOffset] = useState(0);
  const grid = useGrid(dagId, PAGE_SIZE, offset);
  const [collapsed, toggle] = useCollapsedGroups(dagId);
  const runId = search.get("run_id");

  const selectRun = useCallback(
    (id: string) =>
      setSearch((old) => {
        const next = new URLSearchParams(old);
        next.set("run_id", id);
        return next;
      }),
    [setSearch],
  );
  const openCell = useCallback(
    (id: string, row: GridRow) => navigate(taskInstanceLink(dagId, id, row.id)),
    [dagId, navigate],
  );

  if (grid.isPending) return <Loading what="the grid" />;
  if (grid.isError) return <ErrorBox error={grid.error} />;
  const data = grid.data;
  const selected = data.runs.find((r) => r.run_id === runId) ?? (runId ? null : data.runs[0] ?? null);
  const older = offset + PAGE_SIZE < data.total_runs;
  return (
    <div className="grid-view" data-testid="grid-view">
      <div className="grid-pager">
        <button type="button" data-testid="grid-older" disabled={!older} onClick={() => setOffset(offset + PAGE_SIZE)}>
          ← Older
        </button>
        <button
          type="button"
          data-testid="grid-newer"
          disabled={offset === 0}
          onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
        >
          Newer →
        </button>
        <span className="muted">
          {data.total_runs === 0
            ? "No runs yet: trigger one."
            : `Runs ${data.total_runs - offset - data.runs.length + 1}–${data.total_runs - offset} of ${data.total_runs}`}
        </span>
      </div>
      {selected && <RunStrip dagId={dagId} run={selected} />}
      <GridTable
        grid={data}
        collapsed={collapsed}
        onToggleGroup={toggle}
        selectedRunId={selected?.run_id ?? null}
        onSelectRun={selectRun}
        onOpenCell={openCell}
      />
    </div>
  );
}
