// One dialog for every action on task instances and runs: its options as checkboxes, a preview of
// the task instances it would touch (a dry run, asked again whenever an option changes), then the
// action itself on confirm.
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useRef, useState } from "react";
import type { TaskInstance } from "../../api/actions";
import { Dialog } from "../../components/Dialog";
import { ErrorBox } from "../../components/Feedback";
import { StateBadge } from "../../components/StateBadge";
import "./actions.css";

export interface ActionOption {
  key: string;
  label: string;
  hint?: string;
}

export interface Preview {
  taskInstances: TaskInstance[];
  /** How many in all when the preview shows only the first ones. */
  total: number;
  /** How many in each state now, when the server counted them all. */
  states?: Record<string, number>;
}

export interface ActionDialogProps {
  title: string;
  /** Says what confirming does, above the options. */
  intro?: string;
  options: ActionOption[];
  initial?: Record<string, boolean>;
  /** A stable key of the action (the dry run's cache key, with the options). */
  previewKey: readonly unknown[];
  preview: (options: Record<string, boolean>) => Promise<Preview>;
  /** The state each previewed task instance goes to (shown as "old -> new"); null: cleared (no state). */
  newState: (ti: TaskInstance) => string | null;
  /** Text when the preview is empty. */
  nothing?: string;
  confirmLabel: string;
  danger?: boolean;
  /** Confirming is allowed with an empty preview (a run's state changes even if no instance does). */
  allowEmpty?: boolean;
  confirm: (options: Record<string, boolean>) => Promise<unknown>;
  onClose: () => void;
}

export function ActionDialog(props: ActionDialogProps) {
  const { title, intro, options, previewKey, preview, newState, confirmLabel, danger, onClose } = props;
  const [chosen, setChosen] = useState<Record<string, boolean>>(() =>
    Object.fromEntries(options.map((o) => [o.key, props.initial?.[o.key] ?? false])),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const client = useQueryClient();
  const found = useQuery({
    queryKey: ["actionPreview", ...previewKey, chosen],
    queryFn: () => preview(chosen),
    placeholderData: keepPreviousData,
    staleTime: 0,
    gcTime: 0,
    refetchOnWindowFocus: false,
  });

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await props.confirm(chosen);
      await client.invalidateQueries();
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const count = found.data?.total ?? 0;
  const runs = new Set(found.data?.taskInstances.map((ti) => ti.dag_run_id));
  return (
    <Dialog title={title} onClose={onClose} wide>
      <div className="action-dialog" data-testid="action-dialog">
        {intro && <p className="muted action-intro">{intro}</p>}
        {options.length > 0 && (
          <fieldset className="action-options">
            <legend>Options</legend>
            {options.map((o) => (
              <label key={o.key} title={o.hint}>
                <input
                  type="checkbox"
                  data-testid={`option-${o.key}`}
                  checked={chosen[o.key] ?? false}
                  onChange={(e) => setChosen((c) => ({ ...c, [o.key]: e.target.checked }))}
                />
                {o.label}
              </label>
            ))}
          </fieldset>
        )}
        <h3>
          Preview{" "}
          {found.data && (
            <span className="muted" data-testid="preview-count">
              {count === 1 ? "1 task instance" : `${count.toLocaleString()} task instances`}
              {found.data.taskInstances.length < count && ` (the first ${found.data.taskInstances.length.toLocaleString()} shown)`}
            </span>
          )}
          {found.isFetching && <span className="muted"> …</span>}
        </h3>
        {found.data?.states && found.data.taskInstances.length < count && (
          <div className="preview-states muted" data-testid="preview-states">
            Now:{" "}
            {Object.entries(found.data.states)
              .sort((a, b) => b[1] - a[1])
              .map(([state, n]) => (
                <span key={state}>
                  <StateBadge state={state === "none" ? null : state} /> {n.toLocaleString()}
                </span>
              ))}
          </div>
        )}
        {found.isError ? (
          <ErrorBox error={found.error} />
        ) : found.data ? (
          found.data.taskInstances.length ? (
            <PreviewList items={found.data.taskInstances} newState={newState} showRun={runs.size > 1} />
          ) : (
            <div className="muted preview-empty" data-testid="preview-empty">
              {props.nothing ?? "No task instance would change."}
            </div>
          )
        ) : (
          <div className="muted preview-empty">Asking the server…</div>
        )}
        {error !== null && <ErrorBox error={error} />}
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className={danger ? "danger" : "primary"}
            data-testid="action-confirm"
            disabled={busy || !found.data || found.isFetching || (!props.allowEmpty && count === 0)}
            onClick={confirm}
          >
            {busy ? "Working…" : confirmLabel}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

const ROW = 30;

/** The previewed task instances, virtualised (a clear can touch 100,000 of them). */
function PreviewList({ items, newState, showRun }: {
  items: TaskInstance[];
  newState: (ti: TaskInstance) => string | null;
  showRun: boolean;
}) {
  const showMap = items.some((ti) => ti.map_index >= 0);
  const columns = `preview-row${showRun ? " with-run" : ""}${showMap ? " with-map" : ""}`;
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: items.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 8 });
  const virtual = rows.getVirtualItems();
  // jsdom (and the first paint) has no layout: show the first rows then.
  const shown = virtual.length ? virtual : items.slice(0, 20).map((_, index) => ({ index, start: index * ROW, key: index }));
  return (
    <div className="preview-list" data-testid="preview-list" role="table" aria-label="Task instances touched">
      <div className={`${columns} preview-head`} role="row">
        <span role="columnheader">Task</span>
        {showMap && <span role="columnheader">Map index</span>}
        {showRun && <span role="columnheader">Run</span>}
        <span role="columnheader">State</span>
      </div>
      <div className="preview-scroll" ref={scroller} style={{ height: Math.min(items.length, 10) * ROW + 4 }}>
        <div style={{ height: rows.getTotalSize() || items.length * ROW, position: "relative" }}>
          {shown.map((row) => {
            const ti = items[row.index];
            const next = newState(ti);
            return (
              <div
                key={row.key}
                className={columns}
                role="row"
                data-testid="preview-item"
                data-task-id={ti.task_id}
                data-map-index={ti.map_index}
                data-run-id={ti.dag_run_id}
                style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${row.start}px)` }}
              >
                <span role="cell" className="ellipsis" title={ti.task_id}>
                  {ti.task_display_name || ti.task_id}
                </span>
                {showMap && (
                  <span role="cell" className="ellipsis" title={ti.map_index >= 0 ? `map index ${ti.map_index}` : undefined}>
                    {ti.map_index >= 0 ? ti.rendered_map_index || ti.map_index : ""}
                  </span>
                )}
                {showRun && (
                  <span role="cell" className="ellipsis mono" title={ti.dag_run_id}>
                    {ti.dag_run_id}
                  </span>
                )}
                <span role="cell" className="state-change">
                  <StateBadge state={ti.state} />
                  <span aria-hidden="true">→</span>
                  {next === null ? (
                    <span className="chip cleared" data-testid="preview-cleared">
                      cleared
                    </span>
                  ) : (
                    <StateBadge state={next} />
                  )}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
