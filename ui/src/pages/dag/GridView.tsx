// The Grid tab of the DAG page: runs x tasks, live, with the selected run's details.
import { useCallback, useEffect, useState } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router";
import { useGrid, type GridRow } from "../../api/grid";
import { taskInstanceLink } from "../../api/links";
import { ErrorBox, Loading } from "../../components/Feedback";
import { GridTable } from "./GridTable";
import { PAGE_SIZE, RunStrip } from "./RunStrip";
import "./grid.css";

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
