// Placeholder of the skeleton: its owner replaces it.
import { Dialog } from "../../components/Dialog";

export default function TriggerDialog({ dagId, onClose }: { dagId: string; onClose: () => void }) {
  return (
    <Dialog title={`Trigger ${dagId}`} onClose={onClose}>
      not built yet
    </Dialog>
  );
}
