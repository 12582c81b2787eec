// Placeholder of the skeleton: its owner replaces it.
export default function Users() {
  return <div className="placeholder">Users: not built yet</div>;
}
