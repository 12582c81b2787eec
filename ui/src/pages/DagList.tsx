// Placeholder of the skeleton: its owner replaces it.
export default function DagList() {
  return <div className="placeholder">DagList: not built yet</div>;
}
