// A DAG run: its state, type, dates, conf and note, its actions, and its task instances (paged:
// a run can hold 100,000 mapped instances). Live while the run is not finished.
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import {
  fetchRunTaskInstances,
  runKey,
  runTaskInstancesKey,
  setRunNote,
  useDagRun,
  type DagRun,
  type TaskInstance,
} from "../../api/actions";
import { dagLink, taskInstanceLink } from "../../api/links";
import { pollEvery } from "../../api/live";
import { useSession } from "../../auth/session";
import { ErrorBox, Loading } from "../../components/Feedback";
import { StateBadge } from "../../components/StateBadge";
import { durationBetween, formatDate, formatDuration } from "../../components/format";
import { STATE_ORDER, isActive, stateLabel } from "../../components/states";
import { RunActions } from "../actions/RunActions";
import { TaskActions } from "../actions/TaskActions";
import "./run.css";

const PAGE = 50;
const runIsLive = (state: string | null | undefined) => state === "running" || state === "queued" || isActive(state);

export default function RunPage() {
  const { dagId = "", runId = "" } = useParams();
  const run = useDagRun(dagId, runId, (r) => pollEvery(runIsLive(r?.state)));
  if (run.isPending) return <Loading what="the run" />;
  if (run.isError) return <ErrorBox error={run.error} />;
  const r = run.data;
  return (
    <div className="run-page" data-testid="run-page">
      <nav className="breadcrumbs muted">
        <Link to={dagLink(dagId)}>{r.dag_display_name || dagId}</Link> / run
      </nav>
      <header className="page-header">
        <StateBadge state={r.state} />
        <h1 className="run-title" data-testid="run-title" title={r.dag_run_id}>
          {r.dag_run_id}
        </h1>
        <Link to={dagLink(dagId, "", r.dag_run_id)} className="muted">
          Grid
        </Link>
        <Link to={dagLink(dagId, "graph", r.dag_run_id)} className="muted">
          Graph
        </Link>
        <Link to={dagLink(dagId, "gantt", r.dag_run_id)} className="muted">
          Gantt
        </Link>
        <span className="spacer" />
        <RunActions dagId={dagId} runId={r.dag_run_id} state={r.state} />
      </header>
      <RunSummary run={r} />
      <TaskInstanceTable dagId={dagId} runId={r.dag_run_id} live={runIsLive(r.state)} />
    </div>
  );
}

function RunSummary({ run }: { run: DagRun }) {
  const duration = run.duration ?? (run.start_date ? durationBetween(run.start_date, run.end_date) : null);
  const rows: [string, string | null][] = [
    ["Run type", run.run_type],
    ["Logical date", formatDate(run.logical_date)],
    ["Run after", formatDate(run.run_after)],
    ["Queued at", formatDate(run.queued_at)],
    ["Started", formatDate(run.start_date)],
    ["Ended", formatDate(run.end_date)],
    ["Duration", formatDuration(duration)],
    [
      "Data interval",
      run.data_interval_start ? `${formatDate(run.data_interval_start)} – ${formatDate(run.data_interval_end)}` : null,
    ],
    ["Partition key", run.partition_key],
  ];
  const conf = run.conf && Object.keys(run.conf).length ? JSON.stringify(run.conf, null, 2) : null;
  return (
    <section className="run-summary">
      <dl className="run-facts" data-testid="run-facts">
        {rows
          .filter(([, value]) => value)
          .map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        <div>
          <dt>State</dt>
          <dd data-testid="run-state">{stateLabel(run.state)}</dd>
        </div>
      </dl>
      <div className="run-side">
        <div className="run-box">
          <h3>Conf</h3>
          {conf ? (
            <pre className="run-conf" data-testid="run-conf">
              {conf}
            </pre>
          ) : (
            <span className="muted">{"{}"}</span>
          )}
        </div>
        <RunNote run={run} />
      </div>
    </section>
  );
}

function RunNote({ run }: { run: DagRun }) {
  const { can } = useSession();
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function save() {
    setBusy(true);
    setError(null);
    try {
      const saved = await setRunNote(run.dag_id, run.dag_run_id, text.trim() ? text : null);
      client.setQueryData(runKey(run.dag_id, run.dag_run_id), saved);
      setEditing(false);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="run-box" data-testid="run-note">
      <h3>
        Note
        {can("User") && !editing && (
          <button
            type="button"
            className="icon-button"
            data-testid="edit-note"
            aria-label="Edit the note"
            onClick={() => {
              setText(run.note ?? "");
              setEditing(true);
            }}
          >
            ✎
          </button>
        )}
      </h3>
      {editing ? (
        <>
          <textarea
            aria-label="Note"
            data-testid="note-text"
            rows={4}
            maxLength={1000}
            value={text}
            onChange={(e) => setText(e.target.value)}
            autoFocus
          />
          {error !== null && <ErrorBox error={error} />}
          <div className="form-actions">
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
            <button type="button" className="primary" data-testid="save-note" disabled={busy} onClick={save}>
              Save
            </button>
          </div>
        </>
      ) : run.note ? (
        <div className="run-note-text" data-testid="note-shown">
          {run.note}
        </div>
      ) : (
        <span className="muted">No note.</span>
      )}
    </div>
  );
}

function TaskInstanceTable({ dagId, runId, live }: { dagId: string; runId: string; live: boolean }) {
  const [offset, setOffset] = useState(0);
  const [state, setState] = useState("");
  const [pattern, setPattern] = useState("");
  const query = {
    limit: PAGE,
    offset,
    state: state ? [state] : undefined,
    task_display_name_pattern: pattern.trim() || undefined,
    order_by: ["task_id", "map_index"],
  };
  const tis = useQuery({
    queryKey: runTaskInstancesKey(dagId, runId, query),
    queryFn: () => fetchRunTaskInstances(dagId, runId, query),
    placeholderData: keepPreviousData,
    refetchInterval: pollEvery(live),
  });
  const total = tis.data?.total_entries ?? 0;
  const last = Math.max(0, Math.floor((total - 1) / PAGE) * PAGE);
  return (
    <section className="run-tis">
      <div className="toolbar">
        <h2>Task instances</h2>
        <span className="muted" data-testid="ti-total">
          {tis.data ? `${total.toLocaleString()} in all` : ""}
        </span>
        <span className="spacer" />
        <input
          type="search"
          placeholder="Task id contains…"
          aria-label="Filter by task id"
          value={pattern}
          onChange={(e) => {
            setPattern(e.target.value);
            setOffset(0);
          }}
        />
        <select
          aria-label="Filter by state"
          value={state}
          onChange={(e) => {
            setState(e.target.value);
            setOffset(0);
          }}
        >
          <option value="">All states</option>
          {STATE_ORDER.map((s) => (
            <option key={s} value={s}>
              {stateLabel(s)}
            </option>
          ))}
        </select>
      </div>
      {tis.isError && <ErrorBox error={tis.error} />}
      <table className="table run-ti-table" data-testid="ti-table">
        <thead>
          <tr>
            <th>Task</th>
            <th>Map index</th>
            <th>State</th>
            <th>Try</th>
            <th>Started</th>
            <th>Ended</th>
            <th>Duration</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {tis.data?.task_instances.map((ti) => <Row key={`${ti.task_id}/${ti.map_index}`} ti={ti} dagId={dagId} runId={runId} />)}
          {tis.data && tis.data.task_instances.length === 0 && (
            <tr>
              <td colSpan={8} className="muted">
                No task instances{state || pattern ? " match" : " yet"}.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {tis.isPending && <Loading what="the task instances" />}
      {total > PAGE && (
        <div className="pager" data-testid="ti-pager">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(0)}>
            « First
          </button>
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            ‹ Previous
          </button>
          <span className="muted">
            {(offset + 1).toLocaleString()}–{Math.min(offset + PAGE, total).toLocaleString()} of {total.toLocaleString()}
          </span>
          <button type="button" disabled={offset >= last} onClick={() => setOffset(offset + PAGE)}>
            Next ›
          </button>
          <button type="button" disabled={offset >= last} onClick={() => setOffset(last)}>
            Last »
          </button>
        </div>
      )}
    </section>
  );
}

function Row({ ti, dagId, runId }: { ti: TaskInstance; dagId: string; runId: string }) {
  const mapped = ti.map_index >= 0;
  const duration = ti.duration ?? (ti.start_date && !ti.end_date ? durationBetween(ti.start_date, null) : null);
  return (
    <tr data-testid="ti-row" data-task-id={ti.task_id} data-map-index={ti.map_index} data-state={ti.state ?? "none"}>
      <td>
        <Link to={taskInstanceLink(dagId, runId, ti.task_id, mapped ? ti.map_index : undefined)} title={ti.task_id}>
          {ti.task_display_name || ti.task_id}
        </Link>
        {ti.task_display_name && ti.task_display_name !== ti.task_id && <code className="muted ti-id">{ti.task_id}</code>}
      </td>
      <td data-testid="ti-map-index">
        {mapped ? (
          <>
            {ti.rendered_map_index || ti.map_index}
            {ti.rendered_map_index && <span className="muted"> #{ti.map_index}</span>}
          </>
        ) : (
          ""
        )}
      </td>
      <td>
        <StateBadge state={ti.state} />
      </td>
      <td>{ti.try_number}</td>
      <td className="nowrap">{formatDate(ti.start_date)}</td>
      <td className="nowrap">{formatDate(ti.end_date)}</td>
      <td className="nowrap">{formatDuration(duration)}</td>
      <td>
        <TaskActions dagId={dagId} runId={runId} taskId={ti.task_id} mapIndex={mapped ? ti.map_index : undefined} compact />
      </td>
    </tr>
  );
}
