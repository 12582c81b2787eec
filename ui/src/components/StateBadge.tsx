import { stateColor, stateLabel, stateTextColor } from "./states";

export function StateBadge({ state }: { state: string | null | undefined }) {
  return (
    <span
      className="state-badge"
      data-state={state ?? "none"}
      style={{ background: stateColor(state), color: stateTextColor(state) }}
    >
      {stateLabel(state)}
    </span>
  );
}

/** A small square of the state's colour, as in the grid. */
export function StateSquare({ state, title }: { state: string | null | undefined; title?: string }) {
  return (
    <span
      className="state-square"
      data-state={state ?? "none"}
      title={title ?? stateLabel(state)}
      style={{ background: stateColor(state) }}
    />
  );
}
