// Placeholder of the skeleton: its owner replaces it.
export default function RunPage() {
  return <div className="placeholder">RunPage: not built yet</div>;
}
