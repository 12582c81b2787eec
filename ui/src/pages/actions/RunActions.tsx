// The actions on a DAG run (Clear, Mark success, Mark failed), each with a preview of the task
// instances it touches. Shown to User and above.
import { useState } from "react";
import {
  UNFINISHED_TI_STATES,
  clearRun,
  fetchRunTaskInstances,
  markRun,
  previewClear,
  stateAfterRunMark,
} from "../../api/actions";
import { useSession } from "../../auth/session";
import { ActionDialog } from "./ActionDialog";
import "./actions.css";

type Action = "clear" | "success" | "failed";

/** How many of a run's task instances a mark's preview lists (the count is always the whole). */
const MARK_PREVIEW = 1000;

export function RunActions({ dagId, runId, state }: { dagId: string; runId: string; state: string }) {
  const { can } = useSession();
  const [open, setOpen] = useState<Action | null>(null);
  if (!can("User")) return null;
  const close = () => setOpen(null);
  return (
    <span className="task-actions" data-testid="run-actions">
      <button type="button" className="action-button" data-testid="run-clear" onClick={() => setOpen("clear")}>
        ↻ Clear run
      </button>
      <button
        type="button"
        className="action-button"
        data-testid="run-mark-success"
        disabled={state === "success"}
        onClick={() => setOpen("success")}
      >
        ✓ Mark run success
      </button>
      <button
        type="button"
        className="action-button"
        data-testid="run-mark-failed"
        disabled={state === "failed"}
        onClick={() => setOpen("failed")}
      >
        ✗ Mark run failed
      </button>
      {open === "clear" && (
        <ActionDialog
          title={`Clear run ${runId}`}
          intro="The run's task instances lose their state and run again; the run is queued again."
          options={[{ key: "only_failed", label: "Only failed", hint: "Only the failed and upstream_failed task instances" }]}
          previewKey={["clearRun", dagId, runId]}
          preview={async (o) => {
            const found = await previewClear(dagId, runId, null, undefined, { only_failed: o.only_failed ?? false });
            return { taskInstances: found.task_instances, total: found.total_entries, states: found.states };
          }}
          newState={() => null}
          nothing="No task instance to clear."
          confirmLabel="Clear run"
          confirm={(o) => clearRun(dagId, runId, o.only_failed ?? false, false)}
          onClose={close}
        />
      )}
      {(open === "success" || open === "failed") && (
        <ActionDialog
          title={`Mark run ${runId} ${open}`}
          intro={
            open === "success"
              ? "The run becomes success, and its unfinished task instances with it."
              : "The run becomes failed: its queued and running task instances fail, its other unfinished ones are skipped."
          }
          options={[]}
          previewKey={["markRun", open, dagId, runId]}
          preview={async () => {
            const found = await fetchRunTaskInstances(dagId, runId, {
              limit: MARK_PREVIEW,
              offset: 0,
              state: UNFINISHED_TI_STATES,
              order_by: ["task_id", "map_index"],
            });
            return { taskInstances: found.task_instances, total: found.total_entries ?? found.task_instances.length };
          }}
          newState={(ti) => stateAfterRunMark(open, ti.state)}
          nothing="Every task instance has finished: only the run's state changes."
          allowEmpty
          confirmLabel={`Mark run ${open}`}
          danger={open === "failed"}
          confirm={() => markRun(dagId, runId, open)}
          onClose={close}
        />
      )}
    </span>
  );
}
