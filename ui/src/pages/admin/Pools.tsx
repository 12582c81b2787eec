// Placeholder of the skeleton: its owner replaces it.
export default function Pools() {
  return <div className="placeholder">Pools: not built yet</div>;
}
