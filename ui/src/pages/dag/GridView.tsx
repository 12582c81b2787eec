// Placeholder of the skeleton: its owner replaces it.
export default function GridView() {
  return <div className="placeholder">GridView: not built yet</div>;
}
