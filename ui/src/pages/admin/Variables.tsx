// Placeholder of the skeleton: its owner replaces it.
export default function Variables() {
  return <div className="placeholder">Variables: not built yet</div>;
}
