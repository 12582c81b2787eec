import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { useState } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Grid, GridRow } from "../../api/grid";
import { GridTable } from "./GridTable";
import GridView from "./GridView";

// jsdom lays nothing out: give the scrolling area a size so the virtualiser has a window.
const saved = {
  clientHeight: Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientHeight"),
  clientWidth: Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientWidth"),
};
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 1000 });
});
afterAll(() => {
  for (const [name, descriptor] of Object.entries(saved)) {
    if (descriptor) Object.defineProperty(HTMLElement.prototype, name, descriptor);
  }
});
afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

const RUNS: Grid["runs"] = [
  { run_id: "manual__3", run_type: "manual", state: "running", start_date: "2026-12-03T07:00:00Z", has_note: false },
  {
    run_id: "manual__2", run_type: "manual", state: "success", start_date: "2026-12-02T07:00:00Z",
    end_date: "2026-12-02T07:00:12Z", duration: 12, has_note: false,
  },
];

function smallGrid(): Grid {
  return {
    dag_id: "demo",
    total_runs: 2,
    runs: RUNS,
    rows: [
      { id: "setup", label: "setup", type: "task", depth: 0, is_mapped: false, setup_teardown_type: "setup", states: ["success", "success"] },
      {
        id: "extract", label: "extract", type: "group", depth: 0, is_mapped: false, states: ["running", "success"],
        counts: [{ success: 1, running: 1 }, { success: 2 }],
      },
      { id: "extract.a", label: "a", type: "task", depth: 1, parent: "extract", is_mapped: false, states: ["success", "success"] },
      { id: "extract.b", label: "b", type: "task", depth: 1, parent: "extract", is_mapped: false, states: ["running", "success"] },
      {
        id: "double", label: "double", type: "task", depth: 0, is_mapped: true, states: ["failed", null],
        counts: [{ success: 2, failed: 1 }, null],
      },
    ],
  };
}

function Harness({ grid, onOpen = () => {} }: { grid: Grid; onOpen?: (runId: string, row: GridRow) => void }) {
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <GridTable
      grid={grid}
      collapsed={collapsed}
      onToggleGroup={(id) => setCollapsed((old) => new Set(old.has(id) ? [] : [...old, id]))}
      selectedRunId={selected}
      onSelectRun={setSelected}
      onOpenCell={onOpen}
      height="600px"
    />
  );
}

const rowIds = () => screen.queryAllByTestId("grid-row").map((r) => r.getAttribute("data-task-id"));

describe("GridTable", () => {
  it("shows runs oldest to newest and task rows in DAG order", () => {
    render(<Harness grid={smallGrid()} />);
    expect(screen.getAllByTestId("grid-run").map((r) => r.getAttribute("data-run-id"))).toEqual(["manual__2", "manual__3"]);
    expect(rowIds()).toEqual(["setup", "extract", "extract.a", "extract.b", "double"]);
    const b = screen.getAllByTestId("grid-row")[3];
    expect(within(b).getAllByTestId("grid-cell").map((c) => c.getAttribute("data-state"))).toEqual(["success", "running"]);
    expect(screen.getByTestId("setup")).toHaveAttribute("aria-label", "Setup task");
  });

  it("collapses and expands a task group", () => {
    render(<Harness grid={smallGrid()} />);
    fireEvent.click(screen.getByRole("button", { name: "Collapse group extract" }));
    expect(rowIds()).toEqual(["setup", "extract", "double"]);
    fireEvent.click(screen.getByRole("button", { name: "Expand group extract" }));
    expect(rowIds()).toContain("extract.b");
  });

  it("shows a mapped task's instance count, with the counts by state in the tooltip", () => {
    render(<Harness grid={smallGrid()} />);
    const mapped = screen.getAllByTestId("grid-row")[4];
    const cells = within(mapped).getAllByTestId("grid-cell");
    expect(cells).toHaveLength(1); // no instance in the older run
    expect(within(cells[0]).getByTestId("mapped-count")).toHaveTextContent("3");
    expect(cells[0].getAttribute("title")).toContain("failed: 1, success: 2");
  });

  it("opens a task instance on click and selects a run from its bar", () => {
    const onOpen = vi.fn();
    render(<Harness grid={smallGrid()} onOpen={onOpen} />);
    const a = screen.getAllByTestId("grid-row")[2];
    fireEvent.click(within(a).getAllByTestId("grid-cell")[1]);
    expect(onOpen).toHaveBeenCalledWith("manual__3", expect.objectContaining({ id: "extract.a" }));
    fireEvent.click(screen.getAllByTestId("grid-run")[0]);
    expect(screen.getAllByTestId("grid-run")[0]).toHaveClass("selected");
  });

  it("renders only a window of 1,000 rows", () => {
    const rows: GridRow[] = Array.from({ length: 1000 }, (_, i) => ({
      id: `task_${i}`, label: `task_${i}`, type: "task", depth: 0, is_mapped: false,
      states: Array.from({ length: 25 }, () => "success"),
    }));
    const runs = Array.from({ length: 25 }, (_, i) => ({ ...RUNS[1], run_id: `scheduled__${i}` }));
    const { container } = render(<Harness grid={{ dag_id: "wide", total_runs: 25, runs, rows }} />);
    const shown = rowIds();
    expect(shown.length).toBeGreaterThan(10);
    expect(shown.length).toBeLessThan(100);
    expect(shown[0]).toBe("task_0");
    const body = container.querySelector(".grid-body") as HTMLElement;
    expect(body.style.height).toBe(`${1000 * 22}px`); // the scrollbar covers all rows
    const scroller = screen.getByTestId("grid-table");
    act(() => {
      scroller.scrollTop = 999 * 22;
      fireEvent.scroll(scroller);
    });
    expect(rowIds()).toContain("task_999");
    expect(rowIds()).not.toContain("task_0");
  });
});

describe("GridView", () => {
  it("loads the grid, shows the selected run and remembers collapsed groups", async () => {
    const fetchMock = vi.fn(async (_input: RequestInfo | URL) => new Response(JSON.stringify(smallGrid()), { headers: { "content-type": "application/json" } }));
    vi.stubGlobal("fetch", fetchMock);
    const page = () => (
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter initialEntries={["/dags/demo?run_id=manual__2"]}>
          <Routes>
            <Route path="/dags/:dagId" element={<GridView />} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>
    );
    const first = render(page());
    expect(await screen.findByTestId("run-strip")).toHaveAttribute("data-run-id", "manual__2");
    expect(String(fetchMock.mock.calls[0][0])).toBe("/ui/grid/demo?limit=25&offset=0");
    fireEvent.click(screen.getByRole("button", { name: "Collapse group extract" }));
    expect(rowIds()).not.toContain("extract.a");
    first.unmount();
    render(page());
    await screen.findByTestId("run-strip");
    expect(rowIds()).toEqual(["setup", "extract", "double"]);
  });
});
