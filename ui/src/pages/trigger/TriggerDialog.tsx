// The Trigger button's dialog (DagPage): the form generated from the DAG's Params; on success it
// closes and shows the new run in the grid.
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { dagLink } from "../../api/links";
import { triggerRun, useDagParams } from "../../api/trigger";
import { Dialog } from "../../components/Dialog";
import { ErrorBox, Loading } from "../../components/Feedback";
import { TriggerForm, type TriggerBody } from "./TriggerForm";

export default function TriggerDialog({ dagId, onClose }: { dagId: string; onClose: () => void }) {
  const details = useDagParams(dagId);
  const navigate = useNavigate();
  const client = useQueryClient();

  async function submit(body: TriggerBody) {
    const run = await triggerRun(dagId, body);
    await client.invalidateQueries();
    onClose();
    navigate(dagLink(dagId, "", run.dag_run_id));
  }

  const name = details.data?.dag_display_name ?? dagId;
  return (
    <Dialog title={`Trigger ${name}`} onClose={onClose} wide>
      {details.isPending ? (
        <Loading what="the DAG's params" />
      ) : details.isError ? (
        <ErrorBox error={details.error} />
      ) : (
        <TriggerForm params={details.data.params} onSubmit={submit} onCancel={onClose} />
      )}
    </Dialog>
  );
}
