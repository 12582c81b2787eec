// Placeholder of the skeleton: its owner replaces it.
export default function GraphView() {
  return <div className="placeholder">GraphView: not built yet</div>;
}
