// The grid itself: runs across (oldest left, newest right, as in Airflow), tasks down in DAG
// order. Pure: data in, clicks out, so Vitest can render it without a server. Rows are
// virtualised: a DAG of 1,000 tasks puts only the rows in view (plus a few) in the DOM.
import { memo, useEffect, useMemo, useRef } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { Grid, GridRow, GridRun } from "../../api/grid";
import { formatDate, formatDuration } from "../../components/format";
import { STATE_ORDER, stateColor, stateLabel } from "../../components/states";
import { SetupTeardownMark } from "../../components/SetupTeardownMark";

export const ROW_HEIGHT = 22;
export const CELL_WIDTH = 20;

export interface GridTableProps {
  grid: Grid;
  collapsed: ReadonlySet<string>;
  onToggleGroup: (groupId: string) => void;
  selectedRunId: string | null;
  onSelectRun: (runId: string) => void;
  onOpenCell: (runId: string, row: GridRow) => void;
  /** Most height of the scrolling area (CSS length). */
  height?: string;
}

/** Rows not hidden inside a collapsed group, in order. */
export function visibleRows(rows: GridRow[], collapsed: ReadonlySet<string>): GridRow[] {
  const hidden = new Set<string>();
  const shown: GridRow[] = [];
  for (const row of rows) {
    if (row.parent && (hidden.has(row.parent) || collapsed.has(row.parent))) {
      hidden.add(row.id);
      continue;
    }
    shown.push(row);
  }
  return shown;
}

/** "success: 2, failed: 1", the worst states first. */
export function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => STATE_ORDER.indexOf(a) - STATE_ORDER.indexOf(b))
    .map(([state, n]) => `${stateLabel(state)}: ${n}`)
    .join(", ");
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

function runTitle(run: GridRun): string {
  const lines = [run.run_id, `state: ${stateLabel(run.state)}`, `type: ${run.run_type}`];
  if (run.logical_date) lines.push(`logical date: ${formatDate(run.logical_date)}`);
  if (run.start_date) lines.push(`started: ${formatDate(run.start_date)}`);
  if (run.duration !== undefined) lines.push(`duration: ${formatDuration(run.duration)}`);
  return lines.join("\n");
}

export function GridTable({
  grid, collapsed, onToggleGroup, selectedRunId, onSelectRun, onOpenCell, height = "calc(100vh - 250px)",
}: GridTableProps) {
  // The API answers newest first; the grid shows the newest on the right.
  const order = useMemo(() => grid.runs.map((_, i) => grid.runs.length - 1 - i), [grid.runs]);
  const rows = useMemo(() => visibleRows(grid.rows, collapsed), [grid.rows, collapsed]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (index) => rows[index].id,
  });
  const maxDuration = Math.max(1, ...grid.runs.map((r) => r.duration ?? 0));
  const hasChildren = useMemo(() => new Set(grid.rows.map((r) => r.parent).filter(Boolean) as string[]), [grid.rows]);

  useEffect(() => {
    // For the lead's speed figures: when the grid first painted rows (ms since navigation).
    if (rows.length && !performance.getEntriesByName("slipstream:grid-rendered").length) {
      performance.mark("slipstream:grid-rendered");
    }
  }, [rows.length]);

  const columns = `var(--grid-names, 300px) repeat(${grid.runs.length}, ${CELL_WIDTH}px)`;
  return (
    <div className="grid-table" data-testid="grid-table" ref={scroller} style={{ maxHeight: height }}>
      <div className="grid-header" style={{ gridTemplateColumns: columns }}>
        <div className="grid-corner muted">
          {grid.rows.length} {grid.rows.length === 1 ? "row" : "rows"}
        </div>
        {order.map((i) => {
          const run = grid.runs[i];
          const barHeight = run.duration !== undefined ? 8 + Math.round((52 * run.duration) / maxDuration) : 8;
          return (
            <button
              key={run.run_id}
              type="button"
              className={`grid-run${run.run_id === selectedRunId ? " selected" : ""}`}
              data-testid="grid-run"
              data-run-id={run.run_id}
              data-state={run.state}
              title={runTitle(run)}
              aria-label={`Run ${run.run_id}`}
              onClick={() => onSelectRun(run.run_id)}
            >
              <span className="grid-run-bar" style={{ height: barHeight, background: stateColor(run.state) }} />
            </button>
          );
        })}
      </div>
      <div className="grid-body" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index];
          return (
            <GridLine
              key={item.key}
              row={row}
              top={item.start}
              columns={columns}
              order={order}
              runs={grid.runs}
              selectedRunId={selectedRunId}
              isCollapsed={collapsed.has(row.id)}
              hasChildren={hasChildren.has(row.id)}
              onToggleGroup={onToggleGroup}
              onSelectRun={onSelectRun}
              onOpenCell={onOpenCell}
            />
          );
        })}
      </div>
    </div>
  );
}

interface LineProps {
  row: GridRow;
  top: number;
  columns: string;
  order: number[];
  runs: GridRun[];
  selectedRunId: string | null;
  isCollapsed: boolean;
  hasChildren: boolean;
  onToggleGroup: (groupId: string) => void;
  onSelectRun: (runId: string) => void;
  onOpenCell: (runId: string, row: GridRow) => void;
}

const GridLine = memo(function GridLine({
  row, top, columns, order, runs, selectedRunId, isCollapsed, hasChildren, onToggleGroup, onSelectRun, onOpenCell,
}: LineProps) {
  const isGroup = row.type === "group";
  return (
    <div
      className={`grid-row${isGroup ? " group" : ""}`}
      data-testid="grid-row"
      data-task-id={row.id}
      role="row"
      style={{ transform: `translateY(${top}px)`, gridTemplateColumns: columns }}
    >
      <div className="grid-name" style={{ paddingLeft: 6 + row.depth * 14 }} title={row.id}>
        {isGroup ? (
          <button
            type="button"
            className="grid-toggle"
            data-testid="group-toggle"
            aria-expanded={!isCollapsed}
            aria-label={`${isCollapsed ? "Expand" : "Collapse"} group ${row.label}`}
            onClick={() => onToggleGroup(row.id)}
            disabled={!hasChildren}
          >
            {isCollapsed ? "▸" : "▾"}
          </button>
        ) : (
          <span className="grid-toggle-space" />
        )}
        {row.setup_teardown_type && (
          <SetupTeardownMark kind={row.setup_teardown_type} className="grid-st" testId={row.setup_teardown_type} />
        )}
        <span className="grid-label">{row.label}</span>
        {row.is_mapped && !isGroup && <span className="grid-mapped-mark" title="Mapped task">[ ]</span>}
      </div>
      {order.map((i) => {
        const run = runs[i];
        const state = row.states[i];
        const counts = row.counts?.[i] ?? null;
        const selected = run.run_id === selectedRunId;
        const n = counts ? total(counts) : 0;
        const title =
          state === null || state === undefined
            ? `${row.label}: no instance in ${run.run_id}`
            : `${row.label} · ${run.run_id}\n${counts ? describeCounts(counts) : stateLabel(state)}`;
        return (
          <div key={run.run_id} className={`grid-cell${selected ? " selected" : ""}`}>
            {state !== null && state !== undefined && (
              <button
                type="button"
                className="grid-square"
                data-testid="grid-cell"
                data-state={state}
                data-run-id={run.run_id}
                title={title}
                aria-label={title}
                style={{ background: stateColor(state) }}
                onClick={() => (isGroup ? onSelectRun(run.run_id) : onOpenCell(run.run_id, row))}
              >
                {row.is_mapped && !isGroup && n > 0 && (
                  <span className="grid-count" data-testid="mapped-count">
                    {n > 999 ? `${Math.floor(n / 1000)}k` : n}
                  </span>
                )}
              </button>
            )}
          </div>
        );
      })}
    </div>
  );
});
