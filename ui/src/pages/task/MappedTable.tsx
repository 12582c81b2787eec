// The instances of a mapped task: pages of 100 from the server (a task mapped 100,000 ways is
// never loaded whole), virtualised rows, page navigation with "jump to page", state filter and
// ordering; each row links to the instance's page.
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { taskInstanceLink } from "../../api/links";
import { useMapped, useMappedSummary } from "../../api/taskInstances";
import { ErrorBox, Loading } from "../../components/Feedback";
import { StateBadge, StateSquare } from "../../components/StateBadge";
import { formatDate, formatDuration } from "../../components/format";
import { STATE_ORDER, stateLabel } from "../../components/states";

export const PAGE_SIZE = 100;
const ROW_HEIGHT = 32;

const COLUMNS: [string, string][] = [
  ["map_index", "Map index"],
  ["rendered_map_index", "Name"],
  ["state", "State"],
  ["try_number", "Try"],
  ["start_date", "Start"],
  ["end_date", "End"],
  ["duration", "Duration"],
];

export function MappedTable({ dagId, runId, taskId }: { dagId: string; runId: string; taskId: string }) {
  const [search, setSearch] = useSearchParams();
  const page = Math.max(1, Number(search.get("page") ?? "1") || 1);
  const orderBy = search.get("order_by") ?? "map_index";
  const state = search.get("state") ?? "";
  const set = (changes: Record<string, string | null>) =>
    setSearch(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v === null || v === "") next.delete(k);
          else next.set(k, v);
        }
        return next;
      },
      { replace: true },
    );
  const mapped = useMapped(dagId, runId, taskId, { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE, orderBy, state }, true);
  const scroller = useRef<HTMLDivElement>(null);
  const rows = mapped.data?.items ?? [];
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    initialRect: { width: 1000, height: 600 },
  });
  const summary = useMappedSummary(dagId, runId, taskId);
  const [jump, setJump] = useState("");
  // For the speed figures: when a page of rows is first on screen.
  const shownPage = mapped.data ? `${page}` : null;
  useEffect(() => {
    if (shownPage !== null) performance.mark("slipstream:mapped-rows", { detail: { page: shownPage } });
  }, [shownPage, mapped.data]);

  const total = mapped.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const go = (p: number) => {
    set({ page: String(Math.min(Math.max(1, p), pages)) });
    scroller.current?.scrollTo({ top: 0 });
  };
  const sort = (column: string) => set({ order_by: orderBy === column ? `-${column}` : column, page: null });

  return (
    <div className="mapped" data-testid="mapped-table">
      <div className="toolbar">
        <strong data-testid="mapped-total">{total.toLocaleString("en-US")}</strong>
        <span className="muted">mapped instances{state ? ` in state ${state}` : ""}</span>
        {summary.data && (
          <span className="mapped-counts" data-testid="mapped-counts">
            {Object.entries(summary.data.counts).map(([s, n]) => (
              <button
                key={s}
                type="button"
                className={`chip mapped-count${state === s ? " selected" : ""}`}
                title={state === s ? "Show every state" : `Show only ${stateLabel(s)}`}
                onClick={() => set({ state: state === s ? null : s, page: null })}
                data-state={s}
              >
                <StateSquare state={s} /> {stateLabel(s)} {n.toLocaleString("en-US")}
              </button>
            ))}
          </span>
        )}
        <span className="spacer" />
        <label>
          State{" "}
          <select value={state} onChange={(e) => set({ state: e.target.value, page: null })} data-testid="mapped-state">
            <option value="">any</option>
            {STATE_ORDER.map((s) => (
              <option key={s} value={s}>
                {s === "none" ? "no state" : stateLabel(s)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {mapped.isError && <ErrorBox error={mapped.error} />}
      <div className="mapped-grid mapped-head" role="row">
        {COLUMNS.map(([column, label]) => (
          <button key={column} type="button" className="mapped-sort" onClick={() => sort(column)} role="columnheader">
            {label}
            {orderBy === column ? " ▲" : orderBy === `-${column}` ? " ▼" : ""}
          </button>
        ))}
      </div>
      <div
        ref={scroller}
        className="mapped-scroller"
        data-testid="mapped-scroller"
        style={{ height: Math.max(rows.length, 3) * ROW_HEIGHT + 2 }}
      >
        {mapped.isPending && <Loading what="the mapped instances" />}
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const ti = rows[item.index];
            if (!ti) return null;
            return (
              <Link
                key={ti.map_index}
                to={taskInstanceLink(dagId, runId, taskId, ti.map_index)}
                className="mapped-grid mapped-row"
                data-testid="mapped-row"
                data-map-index={ti.map_index}
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
              >
                <span className="mono">{ti.map_index}</span>
                <span className="mapped-name" title={ti.rendered_map_index ?? ""}>
                  {ti.rendered_map_index ?? ""}
                </span>
                <span>
                  <StateBadge state={ti.state} />
                </span>
                <span>{ti.try_number}</span>
                <span>{formatDate(ti.start_date)}</span>
                <span>{formatDate(ti.end_date)}</span>
                <span>{formatDuration(ti.duration)}</span>
              </Link>
            );
          })}
        </div>
      </div>
      <nav className="pager" aria-label="Pages of mapped instances">
        <button type="button" onClick={() => go(1)} disabled={page <= 1} aria-label="First page">
          «
        </button>
        <button type="button" onClick={() => go(page - 1)} disabled={page <= 1} aria-label="Previous page">
          ‹
        </button>
        <span data-testid="mapped-page">
          Page {page.toLocaleString("en-US")} of {pages.toLocaleString("en-US")}
        </span>
        <button type="button" onClick={() => go(page + 1)} disabled={page >= pages} aria-label="Next page">
          ›
        </button>
        <button type="button" onClick={() => go(pages)} disabled={page >= pages} aria-label="Last page" data-testid="mapped-last">
          »
        </button>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const p = Number(jump);
            if (Number.isFinite(p) && p >= 1) go(Math.floor(p));
          }}
        >
          <label>
            Go to page{" "}
            <input
              type="number"
              min={1}
              max={pages}
              value={jump}
              onChange={(e) => setJump(e.target.value)}
              className="mapped-jump"
              data-testid="mapped-jump"
            />
          </label>{" "}
          <button type="submit">Go</button>
        </form>
        {mapped.isFetching && !mapped.isPending && <span className="muted">loading…</span>}
        <span className="muted">
          {total > 0 &&
            `${((page - 1) * PAGE_SIZE + 1).toLocaleString("en-US")}–${Math.min(page * PAGE_SIZE, total).toLocaleString("en-US")}`}
        </span>
      </nav>
    </div>
  );
}
