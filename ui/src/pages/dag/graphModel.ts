// The graph view's pure part: from the DAG's structure and the set of collapsed task groups to
// the nodes and edges shown (visibleGraph); graphLayout.ts places them with dagre. No React here:
// the component test checks these functions alone.
import type { Structure, StructureNode } from "../../api/graph";

/** Above this many tasks, task groups start collapsed. */
export const BIG_DAG_TASKS = 50;
/** Above this many nodes shown, dagre ranks by tight tree (1,000 tasks in 10 expanded groups: 1.7 s, not 9 s). */
export const QUICK_LAYOUT_NODES = 150;

export interface VisibleNode {
  id: string;
  kind: "task" | "group";
  label: string;
  operator: string | null;
  isMapped: boolean;
  setupTeardown: "setup" | "teardown" | null;
  tooltip: string | null;
  /** Groups only: shown as one node (true) or as a frame around its children (false). */
  collapsed: boolean;
  /** The expanded group whose frame holds this node, null at the top level. */
  parent: string | null;
  depth: number;
  /** Groups only: how many tasks are inside, at any depth. */
  taskCount: number;
}

export interface VisibleEdge {
  id: string;
  source: string;
  target: string;
  label: string | null;
  /** Joins a setup to its teardown (drawn dashed); for edges merged by collapsing, all of them do. */
  setupTeardown: boolean;
}

export interface VisibleGraph {
  nodes: VisibleNode[];
  edges: VisibleEdge[];
}

export interface Point {
  x: number;
  y: number;
}

/** A node with its box: x, y of its top left corner. */
export interface PlacedNode extends VisibleNode {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge extends VisibleEdge {
  points: Point[];
  labelX: number | null;
  labelY: number | null;
}

export interface Layout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

const countTasks = (node: StructureNode): number =>
  node.type === "task" ? 1 : (node.children ?? []).reduce((sum, child) => sum + countTasks(child), 0);

export function taskCount(structure: Structure): number {
  return structure.nodes.reduce((sum, node) => sum + countTasks(node), 0);
}

export function groupIds(structure: Structure): string[] {
  const ids: string[] = [];
  const walk = (nodes: StructureNode[]) => {
    for (const node of nodes) {
      if (node.type !== "group") continue;
      ids.push(node.id);
      walk(node.children ?? []);
    }
  };
  walk(structure.nodes);
  return ids;
}

/** Groups collapsed when the graph is first drawn: all of them in a big DAG, none otherwise. */
export function defaultCollapsed(structure: Structure): Set<string> {
  return new Set(taskCount(structure) > BIG_DAG_TASKS ? groupIds(structure) : []);
}

/**
 * The nodes and edges shown when the groups of `collapsed` are collapsed: a collapsed group is one
 * node that takes the edges of every task inside it (edges within it disappear, parallel ones
 * merge); an expanded group is a frame (a node whose children name it as `parent`). A group
 * without tasks is always a single node. Nodes come parents first, in DAG order.
 */
export function visibleGraph(structure: Structure, collapsed: ReadonlySet<string>): VisibleGraph {
  const nodes: VisibleNode[] = [];
  const owner = new Map<string, string>(); // task id -> the node it is drawn as
  const own = (node: StructureNode, as: string) => {
    if (node.type === "task") owner.set(node.id, as);
    for (const child of node.children ?? []) own(child, as);
  };
  const walk = (list: StructureNode[], parent: string | null, depth: number) => {
    for (const node of list) {
      const base = {
        id: node.id,
        label: node.label,
        operator: node.operator ?? null,
        isMapped: node.is_mapped,
        setupTeardown: node.setup_teardown_type ?? null,
        tooltip: node.tooltip ?? null,
        parent,
        depth,
      };
      if (node.type === "task") {
        nodes.push({ ...base, kind: "task", collapsed: false, taskCount: 1 });
        owner.set(node.id, node.id);
        continue;
      }
      const count = countTasks(node);
      const shut = collapsed.has(node.id) || count === 0;
      nodes.push({ ...base, kind: "group", collapsed: shut, taskCount: count });
      if (shut) own(node, node.id);
      else walk(node.children ?? [], node.id, depth + 1);
    }
  };
  walk(structure.nodes, null, 0);

  const edges = new Map<string, VisibleEdge>();
  for (const edge of structure.edges) {
    const source = owner.get(edge.source_id);
    const target = owner.get(edge.target_id);
    if (source === undefined || target === undefined || source === target) continue;
    const id = `${source}\u2192${target}`;
    const found = edges.get(id);
    if (found) {
      found.label = found.label ?? edge.label ?? null;
      found.setupTeardown = found.setupTeardown && edge.is_setup_teardown;
    } else {
      edges.set(id, { id, source, target, label: edge.label ?? null, setupTeardown: edge.is_setup_teardown });
    }
  }
  return { nodes, edges: [...edges.values()] };
}

export const TASK_HEIGHT = 58;
export const GROUP_HEIGHT = 64;
/** Room above an expanded group's frame for its name, drawn on its top border. */
export const FRAME_HEADER = 12;
const BOLD_CHAR = 8.1; // 13px semi-bold system-ui
const SMALL_CHAR = 6.6; // 11.5px

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

export function nodeSize(node: VisibleNode): { width: number; height: number } {
  const name = node.label.length + (node.setupTeardown ? 3 : 0) + (node.isMapped ? 8 : 0);
  // The second line: the operator (or "N tasks") and the state, "upstream failed" at most.
  const second = (node.kind === "group" ? 10 : (node.operator ?? "task").length) + 16;
  return {
    width: Math.round(clamp(Math.max(name * BOLD_CHAR + (node.kind === "group" ? 30 : 0), second * SMALL_CHAR) + 28, 140, 340)),
    height: node.kind === "group" ? GROUP_HEIGHT : TASK_HEIGHT,
  };
}

export function labelSize(label: string): { width: number; height: number } {
  return { width: Math.round(label.length * 6.8 + 14), height: 20 };
}

/** An SVG path through dagre's points, smoothed at the bends. */
export function edgePath(points: Point[]): string {
  if (points.length === 0) return "";
  const [first, ...rest] = points;
  if (rest.length === 0) return `M${first.x},${first.y}`;
  let path = `M${first.x},${first.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i];
    const next = rest[i + 1];
    path += ` Q${p.x},${p.y} ${(p.x + next.x) / 2},${(p.y + next.y) / 2}`;
  }
  const last = rest[rest.length - 1];
  return `${path} L${last.x},${last.y}`;
}
