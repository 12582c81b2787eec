import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import {
  useDagList,
  useDagOwners,
  useDagTags,
  useDashboard,
  usePauseListedDag,
  type DagListFilter,
  type ListedDag,
} from "../api/dagList";
import { dagLink } from "../api/links";
import { useSession } from "../auth/session";
import { ErrorBox, Loading } from "../components/Feedback";
import { formatDate } from "../components/format";
import { StateSquare } from "../components/StateBadge";
import { stateLabel } from "../components/states";
import { ImportErrorBanner } from "./dags/ImportErrorBanner";
import "./dags/dagList.css";

export const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 300;

/** The filter as the URL holds it (?search=&tag=&owner=&paused=&page=), so Back keeps it. */
function readFilter(params: URLSearchParams): DagListFilter {
  const paused = params.get("paused");
  const page = Math.max(1, Number(params.get("page")) || 1);
  return {
    search: params.get("search") ?? "",
    tags: params.getAll("tag"),
    owners: params.getAll("owner"),
    paused: paused === "active" || paused === "paused" ? paused : "all",
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  };
}

/** The DAGs: counts, import errors, filters, and a page of DAGs with their newest runs. */
export default function DagList() {
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => readFilter(params), [params]);
  const list = useDagList(filter);

  const change = (edit: (next: URLSearchParams) => void) => {
    const next = new URLSearchParams(params);
    edit(next);
    next.delete("page"); // a new filter starts at its first page
    setParams(next, { replace: true });
  };
  const goTo = (page: number) => {
    const next = new URLSearchParams(params);
    if (page <= 1) next.delete("page");
    else next.set("page", String(page));
    setParams(next);
  };

  const total = list.data?.total_entries ?? 0;
  const page = filter.offset / PAGE_SIZE + 1;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return (
    <div className="dag-list">
      <header className="page-header">
        <h1>DAGs</h1>
      </header>
      <Counts />
      <ImportErrorBanner />
      <Filters filter={filter} change={change} />
      {list.isPending ? (
        <Loading what="the DAGs" />
      ) : list.isError ? (
        <ErrorBox error={list.error} />
      ) : (
        <>
          <DagTable dags={list.data.dags} />
          <div className="pager" data-testid="dag-pager">
            <button type="button" disabled={page <= 1} onClick={() => goTo(page - 1)}>
              ‹ Previous
            </button>
            <span data-testid="dag-total">
              {total === 0
                ? "No DAG matches"
                : `${filter.offset + 1}–${filter.offset + list.data.dags.length} of ${total} DAG${total === 1 ? "" : "s"}`}
            </span>
            <button type="button" disabled={page >= pages} onClick={() => goTo(page + 1)}>
              Next ›
            </button>
          </div>
        </>
      )}
    </div>
  );
}

function Counts() {
  const dashboard = useDashboard();
  if (!dashboard.data) return null;
  const d = dashboard.data.dags;
  const items: [string, number, string][] = [
    ["active", d.active, "Active"],
    ["paused", d.paused, "Paused"],
    ["running", d.running, "Running"],
    ["queued", d.queued, "Queued"],
    ["failed", d.failed, "Last run failed"],
  ];
  return (
    <div className="dag-counts" data-testid="dag-counts">
      {items.map(([kind, count, label]) => (
        <div className="dag-count" data-kind={kind} data-none={count === 0 || undefined} key={kind}>
          <b>{count}</b>
          <span>{label}</span>
        </div>
      ))}
    </div>
  );
}

function Filters({ filter, change }: { filter: DagListFilter; change: (edit: (next: URLSearchParams) => void) => void }) {
  const tags = useDagTags();
  const owners = useDagOwners();
  const [typed, setTyped] = useState(filter.search);
  // Typing is debounced: the server is asked once the user pauses.
  useEffect(() => {
    if (typed === filter.search) return;
    const timer = setTimeout(
      () =>
        change((next) => {
          if (typed.trim()) next.set("search", typed);
          else next.delete("search");
        }),
      SEARCH_DELAY_MS,
    );
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [typed]);

  const add = (key: "tag" | "owner", value: string) =>
    change((next) => {
      if (value && !next.getAll(key).includes(value)) next.append(key, value);
    });
  const remove = (key: "tag" | "owner", value: string) =>
    change((next) => {
      const kept = next.getAll(key).filter((v) => v !== value);
      next.delete(key);
      kept.forEach((v) => next.append(key, v));
    });

  return (
    <div className="toolbar dag-filters">
      <input
        type="search"
        placeholder="Search DAGs by id or name"
        aria-label="Search DAGs"
        data-testid="dag-search"
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
      />
      <div className="segmented" role="group" aria-label="Paused or active">
        {(["all", "active", "paused"] as const).map((value) => (
          <button
            type="button"
            key={value}
            aria-pressed={filter.paused === value}
            onClick={() =>
              change((next) => {
                if (value === "all") next.delete("paused");
                else next.set("paused", value);
              })
            }
          >
            {value === "all" ? "All" : value === "active" ? "Active" : "Paused"}
          </button>
        ))}
      </div>
      <select aria-label="Tag" data-testid="tag-filter" value="" onChange={(e) => add("tag", e.target.value)}>
        <option value="">Filter by tag…</option>
        {(tags.data?.tags ?? [])
          .filter((t) => !filter.tags.includes(t))
          .map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
      </select>
      <select aria-label="Owner" data-testid="owner-filter" value="" onChange={(e) => add("owner", e.target.value)}>
        <option value="">Filter by owner…</option>
        {(owners.data?.owners ?? [])
          .filter((o) => !filter.owners.includes(o))
          .map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
      </select>
      {filter.tags.map((t) => (
        <span className="chip" key={`tag-${t}`} data-testid="active-tag">
          tag: {t}
          <button type="button" aria-label={`Remove tag ${t}`} onClick={() => remove("tag", t)}>
            ×
          </button>
        </span>
      ))}
      {filter.owners.map((o) => (
        <span className="chip" key={`owner-${o}`}>
          owner: {o}
          <button type="button" aria-label={`Remove owner ${o}`} onClick={() => remove("owner", o)}>
            ×
          </button>
        </span>
      ))}
    </div>
  );
}

function DagTable({ dags }: { dags: ListedDag[] }) {
  const { can } = useSession();
  const pause = usePauseListedDag();
  const mayPause = can("User");
  return (
    <>
      {pause.isError && <ErrorBox error={pause.error} />}
      <table className="table dag-table" data-testid="dag-table">
        <thead>
          <tr>
            <th aria-label="Active" />
            <th>DAG</th>
            <th>Schedule</th>
            <th>Owner</th>
            <th>Tags</th>
            <th>Last runs</th>
            <th>Last run</th>
            <th>Next run</th>
          </tr>
        </thead>
        <tbody>
          {dags.map((d) => {
            const last = d.latest_dag_runs[d.latest_dag_runs.length - 1];
            const next = d.next_dagrun_run_after ?? d.next_dagrun_logical_date;
            const busy = pause.isPending && pause.variables?.dagId === d.dag_id;
            return (
              <tr key={d.dag_id} data-testid="dag-row" data-dag-id={d.dag_id} className={d.is_paused ? "paused" : ""}>
                <td>
                  <label className="toggle" title={d.is_paused ? "Paused: no run is scheduled" : "Active"}>
                    <input
                      type="checkbox"
                      role="switch"
                      aria-label={`Active: ${d.dag_id}`}
                      data-testid="pause-toggle"
                      checked={busy ? !pause.variables.paused : !d.is_paused}
                      disabled={!mayPause || busy}
                      onChange={(e) => pause.mutate({ dagId: d.dag_id, paused: !e.target.checked })}
                    />
                    <span className="slider" />
                  </label>
                </td>
                <td>
                  <Link to={dagLink(d.dag_id)} className="dag-name" data-testid="dag-link">
                    {d.dag_display_name}
                  </Link>
                  {d.dag_display_name !== d.dag_id && <code className="dag-id muted">{d.dag_id}</code>}
                </td>
                <td>
                  {d.timetable_summary ? (
                    <span className="chip" title={d.timetable_description ?? undefined}>
                      {d.timetable_summary}
                    </span>
                  ) : (
                    <span className="muted">None</span>
                  )}
                </td>
                <td>{d.owners.join(", ")}</td>
                <td>
                  <span className="tags">
                    {d.tags.map((t) => (
                      <span className="chip" key={t.name}>
                        {t.name}
                      </span>
                    ))}
                  </span>
                </td>
                <td>
                  <span className="recent-runs" data-testid="recent-runs">
                    {d.latest_dag_runs.map((r) => (
                      <Link key={r.run_id} to={dagLink(d.dag_id, "", r.run_id)} aria-label={`Run ${r.run_id}: ${stateLabel(r.state)}`}>
                        <StateSquare
                          state={r.state}
                          title={`${r.run_id}\n${stateLabel(r.state)}${r.start_date ? `\nstarted ${formatDate(r.start_date)}` : ""}`}
                        />
                      </Link>
                    ))}
                  </span>
                </td>
                <td className="muted">{last ? formatDate(last.start_date ?? last.logical_date ?? last.queued_at) : ""}</td>
                <td className="muted">{next ? formatDate(next) : ""}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
