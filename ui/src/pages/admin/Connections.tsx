// Placeholder of the skeleton: its owner replaces it.
export default function Connections() {
  return <div className="placeholder">Connections: not built yet</div>;
}
