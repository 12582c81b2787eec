// Placeholder of the skeleton: its owner replaces it.
export default function Assets() {
  return <div className="placeholder">Assets: not built yet</div>;
}
