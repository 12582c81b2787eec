// Placeholder of the skeleton: its owner replaces it.
export default function GanttView() {
  return <div className="placeholder">GanttView: not built yet</div>;
}
