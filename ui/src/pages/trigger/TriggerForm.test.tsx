import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ApiError } from "../../api/client";
import { TriggerForm, type TriggerBody } from "./TriggerForm";
import type { Params } from "./params";

// The params of the seed dynamic_task_mapping_demo, as the server answers them, plus a sectioned
// boolean with a Markdown description.
const PARAMS: Params = {
  mode: { value: "daily", schema: { enum: ["daily", "custom"], values_display: { custom: "Custom range" } }, description: "Execution mode" },
  start_date: { value: "2024-01-01", schema: { format: "date" }, description: "Start date for the date range (only for custom)" },
  end_date: { value: "2024-01-03", schema: { format: "date" }, description: "End date for the date range (only for custom)" },
  events_per_partition: { value: 10, schema: { type: "integer", minimum: 1 }, description: "Random events per partition" },
  verbose: { value: false, schema: { type: "boolean", section: "Debugging", description_md: "Logs **every** event" }, description: null },
};

function renderForm(onSubmit = vi.fn<(body: TriggerBody) => Promise<void>>().mockResolvedValue(undefined), params: Params | null = PARAMS) {
  render(<TriggerForm params={params} onSubmit={onSubmit} onCancel={() => {}} />);
  return onSubmit;
}

describe("TriggerForm", () => {
  it("renders a field per param with its default: an enum select, date pickers, a number, a checkbox", () => {
    renderForm();
    const mode = screen.getByLabelText("mode") as HTMLSelectElement;
    expect(mode.tagName).toBe("SELECT");
    expect([...mode.options].map((o) => o.textContent)).toEqual(["daily", "Custom range"]);
    expect(mode.selectedOptions[0].textContent).toBe("daily");
    const start = screen.getByLabelText("start_date") as HTMLInputElement;
    expect(start.type).toBe("date");
    expect(start.value).toBe("2024-01-01");
    expect((screen.getByLabelText("end_date") as HTMLInputElement).type).toBe("date");
    const events = screen.getByLabelText("events_per_partition") as HTMLInputElement;
    expect(events.type).toBe("number");
    expect(events.value).toBe("10");
    expect((screen.getByLabelText("verbose") as HTMLInputElement).type).toBe("checkbox");
    expect(screen.getByText("Execution mode")).toBeInTheDocument();
    // The section and the Markdown description.
    expect(screen.getByText("Debugging").tagName).toBe("SUMMARY");
    expect(screen.getByText("every").tagName).toBe("STRONG");
  });

  it("sends the conf the fields make", async () => {
    const user = userEvent.setup();
    const onSubmit = renderForm();
    await user.selectOptions(screen.getByLabelText("mode"), "Custom range");
    fireEvent.change(screen.getByLabelText("end_date"), { target: { value: "2024-01-05" } });
    await user.click(screen.getByLabelText("verbose"));
    await user.click(screen.getByTestId("trigger-submit"));
    expect(onSubmit).toHaveBeenCalledWith({
      logical_date: null,
      conf: { mode: "custom", start_date: "2024-01-01", end_date: "2024-01-05", events_per_partition: 10, verbose: true },
    });
  });

  it("shows an inline error for a bad value and sends nothing", async () => {
    const user = userEvent.setup();
    const onSubmit = renderForm();
    const events = screen.getByLabelText("events_per_partition");
    await user.clear(events);
    await user.type(events, "0");
    expect(screen.getByTestId("param-events_per_partition-error")).toHaveTextContent("At least 1");
    expect(events).toHaveAttribute("aria-invalid", "true");
    await user.clear(events);
    await user.click(screen.getByTestId("trigger-submit"));
    expect(screen.getByTestId("param-events_per_partition-error")).toHaveTextContent("A value is needed");
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it("keeps the raw JSON conf in sync with the fields, both ways", async () => {
    const user = userEvent.setup();
    renderForm();
    await user.selectOptions(screen.getByLabelText("mode"), "Custom range");
    await user.click(screen.getByTestId("tab-raw"));
    const raw = screen.getByTestId("raw-conf") as HTMLTextAreaElement;
    expect(JSON.parse(raw.value)).toMatchObject({ mode: "custom", events_per_partition: 10 });
    fireEvent.change(raw, { target: { value: JSON.stringify({ mode: "daily", events_per_partition: 7 }) } });
    await user.click(screen.getByTestId("tab-fields"));
    expect((screen.getByLabelText("events_per_partition") as HTMLInputElement).value).toBe("7");
    expect((screen.getByLabelText("mode") as HTMLSelectElement).selectedOptions[0].textContent).toBe("daily");
  });

  it("shows the server's refusal of a raw conf next to the param it names", async () => {
    const user = userEvent.setup();
    const detail =
      "Invalid value 'weekly' for param 'mode': 'weekly' is not one of ['daily', 'custom'] (rule: enum ['daily', 'custom'])";
    const onSubmit = renderForm(vi.fn<(body: TriggerBody) => Promise<void>>().mockRejectedValue(new ApiError(400, detail)));
    await user.click(screen.getByTestId("tab-raw"));
    fireEvent.change(screen.getByTestId("raw-conf"), { target: { value: '{"mode": "weekly"}' } });
    await user.click(screen.getByTestId("trigger-submit"));
    expect(onSubmit).toHaveBeenCalledWith({ logical_date: null, conf: { mode: "weekly" } });
    await waitFor(() => expect(screen.getByTestId("param-mode-error")).toHaveTextContent(detail));
    // Back on the fields, the select shows the refused value.
    expect((screen.getByLabelText("mode") as HTMLSelectElement).selectedOptions[0].textContent).toBe("weekly (not allowed)");
  });

  it("offers only the raw conf for a DAG without params", async () => {
    const user = userEvent.setup();
    const onSubmit = renderForm(undefined, {});
    expect(screen.queryByTestId("tab-fields")).toBeNull();
    fireEvent.change(screen.getByTestId("raw-conf"), { target: { value: "[1, 2]" } });
    expect(screen.getByText("The conf must be a JSON object: {...}")).toBeInTheDocument();
    expect(screen.getByTestId("trigger-submit")).toBeDisabled();
    fireEvent.change(screen.getByTestId("raw-conf"), { target: { value: '{"x": 1}' } });
    await user.type(screen.getByTestId("run-id"), "my_run");
    await user.click(screen.getByTestId("trigger-submit"));
    expect(onSubmit).toHaveBeenCalledWith({ logical_date: null, conf: { x: 1 }, dag_run_id: "my_run" });
  });
});
