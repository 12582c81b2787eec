// Placeholder of the skeleton: its owner replaces it.
export default function DurationsView() {
  return <div className="placeholder">DurationsView: not built yet</div>;
}
