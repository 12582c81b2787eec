// Placeholder of the skeleton: its owner replaces it.
export default function CodeView() {
  return <div className="placeholder">CodeView: not built yet</div>;
}
