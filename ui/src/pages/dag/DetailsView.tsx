// The DAG's details (/dags/:dagId/details): schedule, dates, limits, params, tags, owners with
// their links, file, description and doc_md rendered (sanitised).
import type { ReactNode } from "react";
import { useParams } from "react-router";
import { useDagDetails, type DagDetails, type ParamSpec } from "../../api/dagDetails";
import { ErrorBox, Loading } from "../../components/Feedback";
import { formatDate, formatDuration } from "../../components/format";
import { Markdown } from "../../components/Markdown";
import "./details.css";

/** An owner's link when it is one a browser should follow: mailto: or http(s). */
export function safeOwnerLink(link: string | undefined): string | null {
  if (!link) return null;
  return /^(mailto:|https?:\/\/)/i.test(link.trim()) ? link.trim() : null;
}

function Owners({ owners, links }: { owners: string[]; links: Record<string, string> | null }) {
  if (owners.length === 0) return <span className="muted">none</span>;
  return (
    <span className="details-owners">
      {owners.map((owner) => {
        const link = safeOwnerLink(links?.[owner]);
        if (!link) return <span key={owner} className="chip">{owner}</span>;
        const external = !link.toLowerCase().startsWith("mailto:");
        return (
          <a
            key={owner}
            className="chip"
            href={link}
            data-testid={`owner-link-${owner}`}
            {...(external ? { target: "_blank", rel: "noopener noreferrer" } : {})}
            title={link}
          >
            {owner}
          </a>
        );
      })}
    </span>
  );
}

const json = (value: unknown): string => (value === undefined ? "" : JSON.stringify(value, null, value && typeof value === "object" ? 2 : 0));

function paramType(spec: ParamSpec): string {
  const schema = spec.schema ?? {};
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type;
  const format = typeof schema.format === "string" ? ` (${schema.format})` : "";
  return type ? `${type}${format}` : "any";
}

function Params({ params }: { params: Record<string, ParamSpec> }) {
  const names = Object.keys(params);
  if (names.length === 0) return <p className="muted">This DAG has no params.</p>;
  return (
    <table className="table details-params" data-testid="details-params">
      <thead>
        <tr>
          <th>Name</th>
          <th>Default</th>
          <th>Type</th>
          <th>Description</th>
        </tr>
      </thead>
      <tbody>
        {names.map((name) => {
          const spec = params[name];
          const described = spec.description ?? (typeof spec.schema?.description === "string" ? spec.schema.description : null);
          return (
            <tr key={name} data-testid={`param-${name}`}>
              <td>
                <code>{name}</code>
                {typeof spec.schema?.title === "string" && spec.schema.title !== name && <div className="muted">{spec.schema.title}</div>}
              </td>
              <td>
                <code className="details-value">{json(spec.value)}</code>
              </td>
              <td>{paramType(spec)}</td>
              <td>{described ?? <span className="muted">—</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** An ISO 8601 duration as the API gives a timedelta ("P1DT2H30M", "PT3600S") in words. */
export function isoDuration(value: string | null | undefined): string | null {
  if (!value) return null;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(value);
  if (!m) return value;
  const seconds = Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return formatDuration(seconds);
}

const yesNo = (value: boolean | null | undefined) => (value === null || value === undefined ? "—" : value ? "yes" : "no");
const orDash = (value: ReactNode) => (value === null || value === undefined || value === "" ? <span className="muted">—</span> : value);

function Facts({ d }: { d: DagDetails }) {
  const rows: [string, ReactNode, string?][] = [
    [
      "Schedule",
      <>
        <code>{d.timetable_summary ?? "None"}</code>
        {d.timetable_description && d.timetable_description !== d.timetable_summary && (
          <span className="muted"> · {d.timetable_description}</span>
        )}
      </>,
      "schedule",
    ],
    ["Next run", orDash(formatDate(d.next_dagrun_logical_date ?? d.next_dagrun_run_after)), "next-run"],
    ["Start date", orDash(formatDate(d.start_date)), "start-date"],
    ["End date", orDash(formatDate(d.end_date))],
    ["Catchup", yesNo(d.catchup), "catchup"],
    ["Max active runs", orDash(d.max_active_runs), "max-active-runs"],
    ["Max active tasks", orDash(d.max_active_tasks), "max-active-tasks"],
    ["Max consecutive failed runs", d.max_consecutive_failed_dag_runs ? d.max_consecutive_failed_dag_runs : <span className="muted">no limit</span>],
    ["Run timeout", orDash(isoDuration(d.dag_run_timeout))],
    ["Time zone", orDash(d.timezone)],
    ["Paused", yesNo(d.is_paused)],
    ["Running now", d.active_runs_count],
    [
      "Tags",
      d.tags.length ? (
        <span className="details-tags">
          {d.tags.map((t) => (
            <span key={t.name} className="chip">
              {t.name}
            </span>
          ))}
        </span>
      ) : (
        <span className="muted">none</span>
      ),
      "tags",
    ],
    ["Owners", <Owners owners={d.owners} links={d.owner_links} />, "owners"],
    [
      "File",
      <code className="details-value" title={d.fileloc}>
        {d.fileloc}
      </code>,
      "file",
    ],
    ["Last parsed", orDash(formatDate(d.last_parsed))],
  ];
  return (
    <table className="table details-facts">
      <tbody>
        {rows.map(([name, value, id]) => (
          <tr key={name} data-testid={id ? `detail-${id}` : undefined}>
            <th scope="row">{name}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function DetailsView() {
  const { dagId = "" } = useParams();
  const details = useDagDetails(dagId);
  if (details.isPending) return <Loading what="the DAG's details" />;
  if (details.isError) return <ErrorBox error={details.error} />;
  const d = details.data;
  return (
    <div className="details-view" data-testid="details-view">
      {d.description && (
        <p className="details-description" data-testid="details-description">
          {d.description}
        </p>
      )}
      <div className="details-columns">
        <section>
          <h2>Details</h2>
          <Facts d={d} />
        </section>
        <section>
          <h2>Documentation</h2>
          {d.doc_md ? (
            <Markdown text={d.doc_md} className="details-doc" />
          ) : (
            <p className="muted">No doc_md: a DAG documents itself with its doc_md argument.</p>
          )}
        </section>
      </div>
      <section>
        <h2>Params</h2>
        <Params params={d.params ?? {}} />
      </section>
      {d.default_args && Object.keys(d.default_args).length > 0 && (
        <section>
          <h2>Default arguments</h2>
          <pre className="details-json">{json(d.default_args)}</pre>
        </section>
      )}
    </div>
  );
}
