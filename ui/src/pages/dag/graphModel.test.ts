import { describe, expect, it } from "vitest";
import type { Structure, StructureNode } from "../../api/graph";
import { layeredLayout, layoutGraph } from "./graphLayout";
import { BIG_DAG_TASKS, defaultCollapsed, edgePath, groupIds, taskCount, visibleGraph } from "./graphModel";

const task = (id: string, extra: Partial<StructureNode> = {}): StructureNode => ({
  id,
  label: id.split(".").pop()!,
  type: "task",
  is_mapped: false,
  operator: "EmptyOperator",
  ...extra,
});
const group = (id: string, children: StructureNode[]): StructureNode => ({
  id,
  label: id.split(".").pop()!,
  type: "group",
  is_mapped: false,
  children,
});

// start -> create (setup) -> process[first -> inner[deep]] -> double (mapped) -> delete (teardown)
const STRUCTURE: Structure = {
  dag_id: "demo",
  nodes: [
    task("start"),
    task("create", { setup_teardown_type: "setup" }),
    group("process", [task("process.first"), group("process.inner", [task("process.inner.deep")])]),
    task("double", { is_mapped: true }),
    task("delete", { setup_teardown_type: "teardown" }),
  ],
  edges: [
    { source_id: "start", target_id: "create", label: "go", is_setup_teardown: false },
    { source_id: "create", target_id: "process.first", is_setup_teardown: false },
    { source_id: "create", target_id: "delete", is_setup_teardown: true },
    { source_id: "process.first", target_id: "process.inner.deep", is_setup_teardown: false },
    { source_id: "process.first", target_id: "double", is_setup_teardown: false },
    { source_id: "process.inner.deep", target_id: "double", label: "deep", is_setup_teardown: false },
    { source_id: "double", target_id: "delete", is_setup_teardown: false },
  ],
};

const pairs = (graph: { edges: { source: string; target: string }[] }) => graph.edges.map((e) => `${e.source}>${e.target}`);

describe("visibleGraph", () => {
  it("shows every task and expanded groups as frames around their children", () => {
    const graph = visibleGraph(STRUCTURE, new Set());
    expect(graph.nodes.map((n) => n.id)).toEqual([
      "start", "create", "process", "process.first", "process.inner", "process.inner.deep", "double", "delete",
    ]);
    const byId = Object.fromEntries(graph.nodes.map((n) => [n.id, n]));
    expect(byId["process"]).toMatchObject({ kind: "group", collapsed: false, parent: null, taskCount: 2 });
    expect(byId["process.inner"]).toMatchObject({ parent: "process", depth: 1 });
    expect(byId["process.inner.deep"]).toMatchObject({ parent: "process.inner", depth: 2, label: "deep" });
    expect(byId["create"].setupTeardown).toBe("setup");
    expect(byId["double"].isMapped).toBe(true);
    expect(pairs(graph)).toHaveLength(STRUCTURE.edges.length);
    expect(graph.edges.find((e) => e.source === "start")!.label).toBe("go");
    expect(graph.edges.find((e) => e.target === "delete" && e.source === "create")!.setupTeardown).toBe(true);
  });

  it("draws a collapsed group as one node taking its tasks' edges, merged and without inner ones", () => {
    const graph = visibleGraph(STRUCTURE, new Set(["process"]));
    expect(graph.nodes.map((n) => n.id)).toEqual(["start", "create", "process", "double", "delete"]);
    expect(graph.nodes[2]).toMatchObject({ kind: "group", collapsed: true, taskCount: 2 });
    expect(pairs(graph)).toEqual(["start>create", "create>process", "create>delete", "process>double", "double>delete"]);
    // Two edges into double merged: the label of one of them is kept.
    expect(graph.edges.find((e) => e.source === "process")!.label).toBe("deep");
  });

  it("collapses an inner group inside an expanded one", () => {
    const graph = visibleGraph(STRUCTURE, new Set(["process.inner"]));
    expect(graph.nodes.map((n) => n.id)).toEqual(["start", "create", "process", "process.first", "process.inner", "double", "delete"]);
    expect(graph.nodes.find((n) => n.id === "process.inner")).toMatchObject({ collapsed: true, parent: "process" });
    expect(pairs(graph)).toContain("process.first>process.inner");
    expect(pairs(graph)).toContain("process.inner>double");
  });

  it("ignores an inner group's collapse while its outer group is collapsed", () => {
    const graph = visibleGraph(STRUCTURE, new Set(["process", "process.inner"]));
    expect(graph.nodes.map((n) => n.id)).toEqual(["start", "create", "process", "double", "delete"]);
  });

  it("keeps a merged edge dashed only when every edge in it joins a setup to its teardown", () => {
    const structure: Structure = {
      dag_id: "st",
      nodes: [task("setup", { setup_teardown_type: "setup" }), group("g", [task("g.work"), task("g.teardown")])],
      edges: [
        { source_id: "setup", target_id: "g.work", is_setup_teardown: false },
        { source_id: "setup", target_id: "g.teardown", is_setup_teardown: true },
      ],
    };
    expect(visibleGraph(structure, new Set(["g"])).edges).toEqual([
      { id: "setup\u2192g", source: "setup", target: "g", label: null, setupTeardown: false },
    ]);
    expect(visibleGraph(structure, new Set()).edges.map((e) => e.setupTeardown)).toEqual([false, true]);
  });
});

describe("defaultCollapsed", () => {
  it("expands everything in a small DAG and collapses every group in a big one", () => {
    expect(defaultCollapsed(STRUCTURE).size).toBe(0);
    const groups = Array.from({ length: 10 }, (_, g) =>
      group(`group_${g}`, Array.from({ length: 100 }, (_, i) => task(`group_${g}.task_${i}`))),
    );
    const big: Structure = { dag_id: "big", nodes: groups, edges: [] };
    expect(taskCount(big)).toBe(1000);
    expect(taskCount(big)).toBeGreaterThan(BIG_DAG_TASKS);
    expect([...defaultCollapsed(big)]).toEqual(groupIds(big));
    expect(visibleGraph(big, defaultCollapsed(big)).nodes).toHaveLength(10);
  });
});

describe("layoutGraph", () => {
  it("places nodes left to right, frames around their children and labels on their edges", () => {
    const layout = layoutGraph(visibleGraph(STRUCTURE, new Set()));
    const at = Object.fromEntries(layout.nodes.map((n) => [n.id, n]));
    expect(at["start"].x).toBeLessThan(at["create"].x);
    expect(at["create"].x).toBeLessThan(at["double"].x);
    expect(at["double"].x).toBeLessThan(at["delete"].x);
    for (const child of ["process.first", "process.inner", "process.inner.deep"]) {
      const inner = at[child];
      const frame = at[inner.parent!];
      expect(inner.x).toBeGreaterThanOrEqual(frame.x);
      expect(inner.y).toBeGreaterThanOrEqual(frame.y);
      expect(inner.x + inner.width).toBeLessThanOrEqual(frame.x + frame.width);
      expect(inner.y + inner.height).toBeLessThanOrEqual(frame.y + frame.height);
    }
    const labelled = layout.edges.find((e) => e.label === "go")!;
    expect(labelled.labelX).toBeGreaterThan(at["start"].x);
    expect(labelled.labelX).toBeLessThan(at["create"].x + at["create"].width);
    expect(layout.edges.every((e) => e.points.length >= 2)).toBe(true);
    expect(layout.width).toBeGreaterThan(0);
  });

  it("lays out a big DAG's collapsed groups", () => {
    const groups = Array.from({ length: 10 }, (_, g) =>
      group(`group_${g}`, Array.from({ length: 100 }, (_, i) => task(`group_${g}.task_${i}`))),
    );
    const edges = groups.slice(1).map((g, i) => ({ source_id: `group_${i}.task_99`, target_id: `${g.id}.task_0`, is_setup_teardown: false }));
    const big: Structure = { dag_id: "big", nodes: groups, edges };
    const layout = layoutGraph(visibleGraph(big, defaultCollapsed(big)));
    expect(layout.nodes).toHaveLength(10);
    expect(layout.edges).toHaveLength(9);
    const xs = layout.nodes.map((n) => n.x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
  });
});

describe("layeredLayout (when dagre's recursion overflows the stack)", () => {
  it("places 1,000 chained tasks in 10 expanded groups left to right, frames around them", () => {
    const groups = Array.from({ length: 10 }, (_, g) =>
      group(`group_${g}`, Array.from({ length: 100 }, (_, i) => task(`group_${g}.task_${i}`))),
    );
    const ids = groups.flatMap((g) => g.children!.map((c) => c.id));
    const edges = ids.slice(1).map((id, i) => ({ source_id: ids[i], target_id: id, is_setup_teardown: false }));
    const layout = layeredLayout(visibleGraph({ dag_id: "big", nodes: groups, edges }, new Set()));
    const at = Object.fromEntries(layout.nodes.map((n) => [n.id, n]));
    for (let i = 1; i < ids.length; i++) expect(at[ids[i]].x).toBeGreaterThan(at[ids[i - 1]].x);
    const frame = at["group_3"];
    expect(frame.x).toBeLessThan(at["group_3.task_0"].x);
    expect(frame.x + frame.width).toBeGreaterThan(at["group_3.task_99"].x + at["group_3.task_99"].width);
    expect(layout.edges).toHaveLength(999);
  });

  it("puts a task's parallel downstream tasks in one column and labels their edges", () => {
    const layout = layeredLayout(visibleGraph(STRUCTURE, new Set()));
    const at = Object.fromEntries(layout.nodes.map((n) => [n.id, n]));
    expect(at["start"].x).toBeLessThan(at["create"].x);
    expect(at["process.first"].x).toBeLessThan(at["process.inner.deep"].x);
    expect(at["double"].x).toBeGreaterThan(at["process.inner.deep"].x);
    expect(layout.edges.find((e) => e.label === "go")!.labelX).toBeGreaterThan(at["start"].x);
  });
});

describe("edgePath", () => {
  it("goes through the first and last points", () => {
    expect(edgePath([{ x: 0, y: 0 }, { x: 10, y: 5 }, { x: 20, y: 5 }])).toBe("M0,0 Q10,5 15,5 L20,5");
    expect(edgePath([])).toBe("");
  });
});
