import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, vi } from "vitest";
import { ImportErrorBanner } from "./ImportErrorBanner";

const ETL = `Traceback (most recent call last):
  File "/srv/slipstream/dagfiles/loader.py", line 114, in load_dag_file
  File "/home/u/dags/seed003_etl_pipeline.py", line 14, in <module>
    'retry_delay': timedelta(minutes=1),
NameError: name 'timedelta' is not defined
`;

function answer(body: unknown) {
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
}

function renderBanner(errors: { filename: string; stack_trace: string }[]) {
  const fetchMock = vi.fn(async () =>
    answer({
      import_errors: errors.map((e, i) => ({ import_error_id: i + 1, timestamp: "2024-01-01T00:00:00Z", bundle_name: "dags-folder", ...e })),
      total_entries: errors.length,
    }),
  );
  vi.stubGlobal("fetch", fetchMock);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ImportErrorBanner />
    </QueryClientProvider>,
  );
  return fetchMock;
}

afterEach(() => vi.unstubAllGlobals());

describe("ImportErrorBanner", () => {
  it("counts the failing files, and once opened shows each one's line, error and traceback", async () => {
    renderBanner([
      { filename: "/home/u/dags/seed003_etl_pipeline.py", stack_trace: ETL },
      { filename: "/home/u/dags/seed001_parallel_example.py", stack_trace: "Cycle detected in DAG: task_c -> task_c" },
    ]);
    const toggle = await screen.findByTestId("import-errors-toggle");
    expect(toggle).toHaveTextContent("2 DAG files fail to load");
    expect(screen.queryByTestId("import-error")).toBeNull();

    await userEvent.click(toggle);
    const items = screen.getAllByTestId("import-error");
    expect(items).toHaveLength(2);
    const etl = items[0];
    expect(etl).toHaveTextContent("seed003_etl_pipeline.py, line 14");
    expect(within(etl).getByTestId("import-error-summary")).toHaveTextContent("NameError: name 'timedelta' is not defined");
    expect(within(items[1]).queryByTestId("import-error-line")).toBeNull();
    expect(within(items[1]).getByTestId("import-error-summary")).toHaveTextContent("Cycle detected");

    await userEvent.click(within(etl).getByRole("button", { name: "Traceback" }));
    expect(within(etl).getByTestId("import-error-trace").textContent).toBe(ETL);
  });

  it("shows nothing when every file loads", async () => {
    const fetchMock = renderBanner([]);
    await vi.waitFor(() => expect(fetchMock).toHaveBeenCalled());
    expect(screen.queryByTestId("import-errors")).toBeNull();
  });
});
