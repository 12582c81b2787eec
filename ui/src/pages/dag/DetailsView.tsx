// Placeholder of the skeleton: its owner replaces it.
export default function DetailsView() {
  return <div className="placeholder">DetailsView: not built yet</div>;
}
