// A task instance: header (breadcrumbs, state, try, dates, actions) and tabs: Logs (tries, live
// tail), Rendered templates, XComs, Details; a mapped task asked without a map index shows the
// table of its mapped instances. The tab is `?tab=`, the try `?try=`, a log line `#L12`.
import { useEffect, useRef, useState } from "react";
import { Link, useLocation, useNavigate, useParams, useSearchParams } from "react-router";
import { dagLink, runLink, taskInstanceLink } from "../../api/links";
import {
  useTask,
  useTaskInstance,
  useTries,
  useXComs,
  type TaskInstance,
  type TaskTry,
} from "../../api/taskInstances";
import { ErrorBox, Loading } from "../../components/Feedback";
import { StateBadge, StateSquare } from "../../components/StateBadge";
import { durationBetween, formatDate, formatDuration } from "../../components/format";
import { isActive } from "../../components/states";
import { TaskActions } from "../actions/TaskActions";
import { LogView } from "./LogView";
import { MappedTable } from "./MappedTable";
import { useLogTail } from "./useLogTail";
import "./task.css";

type Tab = "logs" | "rendered" | "xcoms" | "details" | "mapped";

export default function TaskInstancePage() {
  const { dagId = "", runId = "", taskId = "", mapIndex: mapParam } = useParams();
  const mapIndex = mapParam === undefined ? -1 : Number(mapParam);
  const [search, setSearch] = useSearchParams();
  const task = useTask(dagId, taskId);
  // A mapped task without a map index has no instance of its own: the task says so, and its
  // instance is not asked for (the server's 404 there costs as much as counting every instance).
  const askInstance = mapIndex >= 0 || task.isError || (task.isSuccess && !task.data.is_mapped);
  const ti = useTaskInstance(dagId, runId, taskId, mapIndex, askInstance);
  const mappedTask = mapIndex < 0 && (!!task.data?.is_mapped || ti.data === null);
  const instance = ti.data ?? null;
  const tabs: [Tab, string][] = mappedTask
    ? [["mapped", "Mapped instances"], ["details", "Details"]]
    : [["logs", "Logs"], ["rendered", "Rendered templates"], ["xcoms", "XComs"], ["details", "Details"]];
  const asked = search.get("tab") as Tab | null;
  const tab: Tab = tabs.some(([t]) => t === asked) ? (asked as Tab) : tabs[0][0];

  if (task.isPending || (askInstance && ti.isPending)) return <Loading what="the task instance" />;
  if (askInstance && ti.isError) return <ErrorBox error={ti.error} />;

  const name = instance?.task_display_name ?? task.data?.task_display_name ?? taskId;
  const setTab = (t: Tab) =>
    setSearch((prev) => {
      const next = new URLSearchParams();
      if (t !== tabs[0][0]) next.set("tab", t);
      if (t === "logs" && prev.get("try")) next.set("try", prev.get("try")!);
      return next;
    });

  return (
    <div className="ti-page" data-testid="ti-page">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link to={dagLink(dagId)}>{instance?.dag_display_name ?? dagId}</Link>
        <span className="sep">›</span>
        <Link to={runLink(dagId, runId)}>{runId}</Link>
        <span className="sep">›</span>
        {mapIndex >= 0 ? <Link to={taskInstanceLink(dagId, runId, taskId)}>{name}</Link> : <span>{name}</span>}
        {mapIndex >= 0 && (
          <>
            <span className="sep">›</span>
            <span data-testid="ti-map-name">{instance?.rendered_map_index || `[${mapIndex}]`}</span>
          </>
        )}
      </nav>
      <header className="page-header">
        <h1 data-testid="ti-title">
          {name}
          {mapIndex >= 0 && <span className="muted"> [{instance?.rendered_map_index || mapIndex}]</span>}
        </h1>
        {instance && <StateBadge state={instance.state} />}
        {mappedTask && <span className="chip">mapped</span>}
        <span className="spacer" />
        <TaskActions dagId={dagId} runId={runId} taskId={taskId} mapIndex={mapIndex >= 0 ? mapIndex : undefined} />
      </header>
      {instance && <Facts ti={instance} />}
      {mappedTask && !instance && task.data && (
        <dl className="ti-facts">
          <Fact label="Operator">{task.data.operator_name}</Fact>
        </dl>
      )}
      <nav className="tabs" aria-label="Task instance views" role="tablist">
        {tabs.map(([t, label]) => (
          <a
            key={t}
            href={`?tab=${t}`}
            role="tab"
            aria-selected={tab === t}
            className={tab === t ? "active" : ""}
            data-testid={`tab-${t}`}
            onClick={(e) => {
              e.preventDefault();
              setTab(t);
            }}
          >
            {label}
          </a>
        ))}
      </nav>
      {tab === "mapped" && <MappedTable dagId={dagId} runId={runId} taskId={taskId} />}
      {tab === "logs" && instance && <LogsTab ti={instance} />}
      {tab === "rendered" && instance && <RenderedTab ti={instance} />}
      {tab === "xcoms" && instance && <XComsTab ti={instance} />}
      {tab === "details" && <DetailsTab ti={instance} operator={task.data?.operator_name ?? null} />}
    </div>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  if (children === null || children === undefined || children === "") return null;
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Facts({ ti }: { ti: TaskInstance }) {
  const running = isActive(ti.state) && ti.start_date && !ti.end_date;
  const duration = ti.duration ?? (running ? durationBetween(ti.start_date, null) : null);
  return (
    <dl className="ti-facts" data-testid="ti-facts">
      <Fact label="Operator">{ti.operator_name ?? ti.operator}</Fact>
      <Fact label="Try">
        {ti.try_number} of {ti.max_tries + 1}
      </Fact>
      <Fact label="Started">{formatDate(ti.start_date)}</Fact>
      <Fact label="Ended">{formatDate(ti.end_date)}</Fact>
      <Fact label="Duration">{formatDuration(duration)}</Fact>
      <Fact label="Host">{ti.hostname}</Fact>
      <Fact label="PID">{ti.pid}</Fact>
      <Fact label="Pool">{ti.pool}</Fact>
    </dl>
  );
}

function LogsTab({ ti }: { ti: TaskInstance }) {
  const [search, setSearch] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const current = ti.try_number;
  const live = isActive(ti.state);
  const tries = useTries(ti.dag_id, ti.dag_run_id, ti.task_id, ti.map_index, current > 0, live);
  const asked = Number(search.get("try"));
  const tryNumber = current > 0 ? (asked >= 1 && asked <= current ? asked : current) : null;
  const isCurrent = tryNumber === current;
  // A log that ended while the try had not started (scheduled, no file yet) is read again once it moves on.
  const [generation, setGeneration] = useState(0);
  const tail = useLogTail(ti.dag_id, ti.dag_run_id, ti.task_id, ti.map_index, tryNumber, generation);
  const lastState = useRef(ti.state);
  useEffect(() => {
    if (lastState.current !== ti.state) {
      lastState.current = ti.state;
      if (isCurrent && live && !tail.tailing) setGeneration((g) => g + 1);
    }
  }, [ti.state, isCurrent, live, tail.tailing]);

  const match = /^#L(\d+)$/.exec(location.hash);
  const highlight = match ? Number(match[1]) : null;
  if (tryNumber === null) return <div className="muted">No try has started yet: the log appears once the task runs.</div>;
  const byNumber = new Map<number, TaskTry>((tries.data ?? []).map((t) => [t.try_number, t]));
  const numbers = Array.from({ length: current }, (_, i) => i + 1);
  return (
    <div className="logs-tab">
      <div className="toolbar tries" role="group" aria-label="Tries">
        <span className="muted">Try</span>
        {numbers.map((n) => {
          const state = n === current ? ti.state : (byNumber.get(n)?.state ?? null);
          return (
            <button
              key={n}
              type="button"
              className={`try-button${n === tryNumber ? " selected" : ""}`}
              aria-pressed={n === tryNumber}
              data-testid={`try-${n}`}
              title={`Try ${n}: ${state ?? "no state"}`}
              onClick={() =>
                setSearch((prev) => {
                  const next = new URLSearchParams(prev);
                  if (n === current) next.delete("try");
                  else next.set("try", String(n));
                  return next;
                })
              }
            >
              <StateSquare state={state} /> {n}
            </button>
          );
        })}
      </div>
      {tail.error !== null && <ErrorBox error={tail.error} />}
      <LogView
        lines={tail.lines}
        version={tail.version}
        live={tail.tailing && isCurrent && live}
        loading={!tail.loaded}
        highlight={highlight}
        onSelectLine={(n) => navigate({ search: location.search, hash: `#L${n}` }, { replace: true })}
        fileName={`${ti.dag_id}__${ti.dag_run_id}__${ti.task_id}${ti.map_index >= 0 ? `__${ti.map_index}` : ""}__try${tryNumber}.log`.replace(
          /[^A-Za-z0-9_.+-]+/g,
          "_",
        )}
      />
    </div>
  );
}

const looksLikeCode = (value: string) => value.includes("\n") || /^\s*(SELECT|INSERT|WITH|UPDATE|DELETE|CREATE)\b/i.test(value);

function RenderedTab({ ti }: { ti: TaskInstance }) {
  const fields = Object.entries(ti.rendered_fields ?? {});
  if (!fields.length)
    return (
      <div className="muted" data-testid="rendered-empty">
        {ti.try_number > 0 ? "This try rendered no template fields." : "Template fields are rendered when the task runs."}
      </div>
    );
  return (
    <dl className="rendered" data-testid="rendered-fields">
      {fields.map(([field, value]) => {
        const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
        const code = typeof value !== "string" || looksLikeCode(text) || /command|sql|query|script|code/i.test(field);
        return (
          <div key={field} className="rendered-field" data-field={field}>
            <dt>
              <code>{field}</code>
            </dt>
            <dd>
              {value === null || value === undefined ? (
                <span className="muted rendered-null">None</span>
              ) : code ? (
                <pre className="code-block">{text}</pre>
              ) : (
                <span>{text}</span>
              )}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

function XComsTab({ ti }: { ti: TaskInstance }) {
  const xcoms = useXComs(ti.dag_id, ti.dag_run_id, ti.task_id, ti.map_index, isActive(ti.state));
  if (xcoms.isPending) return <Loading what="the XComs" />;
  if (xcoms.isError) return <ErrorBox error={xcoms.error} />;
  if (!xcoms.data.length) return <div className="muted" data-testid="xcoms-empty">No XCom was pushed.</div>;
  return (
    <table className="table" data-testid="xcoms">
      <thead>
        <tr>
          <th>Key</th>
          <th>Value</th>
          <th>Pushed</th>
        </tr>
      </thead>
      <tbody>
        {xcoms.data.map((x) => (
          <tr key={x.key} data-key={x.key}>
            <td>
              <code>{x.key}</code>
            </td>
            <td>
              <pre className="code-block xcom-value">{"value" in x ? JSON.stringify(x.value, null, 2) : "…"}</pre>
            </td>
            <td className="muted">{formatDate(x.timestamp)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DetailsTab({ ti, operator }: { ti: TaskInstance | null; operator: string | null }) {
  if (!ti) return <dl className="details"><Fact label="Operator">{operator}</Fact></dl>;
  const rows: [string, unknown][] = [
    ["Task id", ti.task_id],
    ["Map index", ti.map_index],
    ["Name (map_index_template)", ti.rendered_map_index],
    ["State", ti.state],
    ["Operator", ti.operator_name ?? ti.operator],
    ["Try number", ti.try_number],
    ["Max tries", ti.max_tries],
    ["Logical date", formatDate(ti.logical_date)],
    ["Run after", formatDate(ti.run_after)],
    ["Queued", formatDate(ti.queued_when)],
    ["Started", formatDate(ti.start_date)],
    ["Ended", formatDate(ti.end_date)],
    ["Duration", formatDuration(ti.duration)],
    ["Hostname", ti.hostname],
    ["Unix user", ti.unixname],
    ["PID", ti.pid],
    ["Pool", `${ti.pool} (${ti.pool_slots} slot${ti.pool_slots === 1 ? "" : "s"})`],
    ["Queue", ti.queue],
    ["Priority weight", ti.priority_weight],
    ["Executor", ti.executor],
    ["Note", ti.note],
  ];
  return (
    <table className="table details-table" data-testid="ti-details">
      <tbody>
        {rows
          .filter(([, v]) => v !== null && v !== undefined && v !== "")
          .map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{String(v)}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}
