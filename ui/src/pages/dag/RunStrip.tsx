// The selected run's details above the Grid and Gantt: state, type, times, a link to the run page.
import { Link } from "react-router";
import type { GridRun } from "../../api/grid";
import { runLink } from "../../api/links";
import { StateBadge } from "../../components/StateBadge";
import { durationBetween, formatDate, formatDuration } from "../../components/format";

/** Runs per grid page (the Gantt shares the grid's first page, and its cache). */
export const PAGE_SIZE = 25;

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

