// The actions on a task instance (Clear, Mark success, Mark failed), each a dialog with its
// options and a preview of the task instances it touches. Shown to User and above.
import { useState } from "react";
import { clearTaskInstances, markTaskInstances, previewClear, previewMark, type ActionPreviewAnswer } from "../../api/actions";
import { useSession } from "../../auth/session";
import { ActionDialog, type ActionOption, type Preview } from "./ActionDialog";
import "./actions.css";

export interface TaskActionsProps {
  dagId: string;
  runId: string;
  taskId: string;
  /** -1 or absent: the task instance itself (all of a mapped task's instances when it is mapped). */
  mapIndex?: number;
  /** Small buttons, for a table row. */
  compact?: boolean;
}

type Action = "clear" | "success" | "failed";

const RELATIVES: ActionOption[] = [
  { key: "include_upstream", label: "Upstream", hint: "The tasks this one depends on, in this run" },
  { key: "include_downstream", label: "Downstream", hint: "The tasks that depend on this one, in this run" },
  { key: "include_past", label: "Past", hint: "The same tasks in the runs before this one" },
  { key: "include_future", label: "Future", hint: "The same tasks in the runs after this one" },
];

const CLEAR_OPTIONS: ActionOption[] = [
  ...RELATIVES,
  { key: "only_failed", label: "Only failed", hint: "Only the failed and upstream_failed task instances" },
];

const preview = (found: ActionPreviewAnswer): Preview => ({
  taskInstances: found.task_instances,
  total: found.total_entries,
  states: found.states,
});

const pick = (options: Record<string, boolean>) => ({
  include_upstream: options.include_upstream ?? false,
  include_downstream: options.include_downstream ?? false,
  include_past: options.include_past ?? false,
  include_future: options.include_future ?? false,
});

export function TaskActions({ dagId, runId, taskId, mapIndex, compact }: TaskActionsProps) {
  const { can } = useSession();
  const [open, setOpen] = useState<Action | null>(null);
  if (!can("User")) return null;
  const one = mapIndex !== undefined && mapIndex >= 0;
  const what = one ? `${taskId} [${mapIndex}]` : taskId;
  const key = [dagId, runId, taskId, mapIndex ?? -1] as const;
  const size = compact ? " small" : "";
  return (
    <span className={`task-actions${compact ? " compact" : ""}`} data-testid="task-actions">
      <button type="button" className={`action-button${size}`} data-testid="action-clear" onClick={() => setOpen("clear")}>
        ↻ Clear
      </button>
      <button type="button" className={`action-button${size}`} data-testid="action-mark-success" onClick={() => setOpen("success")}>
        ✓ {compact ? "Success" : "Mark success"}
      </button>
      <button type="button" className={`action-button${size}`} data-testid="action-mark-failed" onClick={() => setOpen("failed")}>
        ✗ {compact ? "Failed" : "Mark failed"}
      </button>
      {open === "clear" && (
        <ActionDialog
          title={`Clear ${what}`}
          intro="Cleared task instances lose their state and the scheduler runs them again (their try number goes on)."
          options={CLEAR_OPTIONS}
          initial={{ include_downstream: true }}
          previewKey={["clear", ...key]}
          preview={async (o) =>
            preview(await previewClear(dagId, runId, taskId, mapIndex, { ...pick(o), only_failed: o.only_failed ?? false }))
          }
          newState={() => null}
          nothing="No task instance to clear with these options."
          confirmLabel="Clear"
          confirm={(o) => clearTaskInstances(dagId, runId, taskId, mapIndex, { ...pick(o), only_failed: o.only_failed ?? false }, false)}
          onClose={() => setOpen(null)}
        />
      )}
      {(open === "success" || open === "failed") && (
        <ActionDialog
          title={`Mark ${what} ${open}`}
          intro={
            open === "success"
              ? "The task instances become success; failed ones downstream are cleared so they run again."
              : "The task instances become failed; a running one is stopped."
          }
          options={RELATIVES}
          previewKey={["mark", open, ...key]}
          preview={async (o) => preview(await previewMark(dagId, runId, taskId, mapIndex, open, pick(o)))}
          newState={() => open}
          nothing={`Every task instance chosen is already ${open}.`}
          confirmLabel={`Mark ${open}`}
          danger={open === "failed"}
          confirm={(o) => markTaskInstances(dagId, runId, taskId, mapIndex, open, pick(o), false)}
          onClose={() => setOpen(null)}
        />
      )}
    </span>
  );
}
