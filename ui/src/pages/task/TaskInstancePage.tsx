// Placeholder of the skeleton: its owner replaces it.
export default function TaskInstancePage() {
  return <div className="placeholder">TaskInstancePage: not built yet</div>;
}
