import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { TaskInstance } from "../../api/actions";
import { ActionDialog, type Preview } from "./ActionDialog";

if (!HTMLDialogElement.prototype.showModal) {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
}

const ti = (task_id: string, map_index = -1, state = "success"): TaskInstance => ({
  id: `${task_id}-${map_index}`, task_id, task_display_name: task_id, dag_id: "d", dag_run_id: "r", map_index,
  rendered_map_index: map_index >= 0 ? `Partition ${map_index}` : null, logical_date: null, start_date: null, end_date: null,
  duration: null, state, try_number: 1, max_tries: 0, operator: null, note: null,
});

function renderDialog(preview: (o: Record<string, boolean>) => Promise<Preview>, confirm = vi.fn().mockResolvedValue(undefined)) {
  const onClose = vi.fn();
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <ActionDialog
        title="Clear t"
        options={[{ key: "include_downstream", label: "Downstream" }]}
        previewKey={["test"]}
        preview={preview}
        newState={() => null}
        confirmLabel="Clear"
        confirm={confirm}
        onClose={onClose}
      />
    </QueryClientProvider>,
  );
  return { confirm, onClose };
}

describe("ActionDialog", () => {
  it("previews the task instances for the options chosen, then confirms with them", async () => {
    const user = userEvent.setup();
    const preview = vi.fn(async (o: Record<string, boolean>) => {
      const items = o.include_downstream ? [ti("t"), ti("u", 0), ti("u", 1)] : [ti("t")];
      return { taskInstances: items, total: items.length };
    });
    const { confirm, onClose } = renderDialog(preview);
    await waitFor(() => expect(screen.getAllByTestId("preview-item")).toHaveLength(1));
    expect(screen.getByTestId("preview-count")).toHaveTextContent("1 task instance");
    await user.click(screen.getByTestId("option-include_downstream"));
    await waitFor(() => expect(screen.getAllByTestId("preview-item")).toHaveLength(3));
    expect(screen.getByText("Partition 1")).toBeInTheDocument();
    expect(screen.getAllByTestId("preview-cleared")).toHaveLength(3);
    await user.click(screen.getByTestId("action-confirm"));
    expect(confirm).toHaveBeenCalledWith({ include_downstream: true });
    await waitFor(() => expect(onClose).toHaveBeenCalled());
  });

  it("says when nothing would change and does not confirm then", async () => {
    renderDialog(async () => ({ taskInstances: [], total: 0 }));
    await waitFor(() => expect(screen.getByTestId("preview-empty")).toBeInTheDocument());
    expect(screen.getByTestId("action-confirm")).toBeDisabled();
  });

  it("shows the server's refusal of the action", async () => {
    const user = userEvent.setup();
    renderDialog(async () => ({ taskInstances: [ti("t")], total: 1 }), vi.fn().mockRejectedValue(new Error("Task is running")));
    await waitFor(() => expect(screen.getAllByTestId("preview-item")).toHaveLength(1));
    await user.click(screen.getByTestId("action-confirm"));
    expect(await screen.findByText("Task is running")).toBeInTheDocument();
  });
});
