// Places the visible graph left to right with dagre: in a Web Worker (graphLayout.worker.ts), as
// dagre takes seconds for a thousand nodes shown.
import dagre, { type EdgeLabel, type NodeLabel } from "@dagrejs/dagre";
import { FRAME_HEADER, QUICK_LAYOUT_NODES, labelSize, nodeSize, type Layout, type VisibleGraph } from "./graphModel";

/**
 * Places the visible graph left to right with dagre (expanded groups as clusters around their
 * children). Returns boxes by their top left corner and each edge's route and label centre.
 */
export function layoutGraph(graph: VisibleGraph): Layout {
  if (graph.nodes.length > QUICK_LAYOUT_NODES && Math.max(0, ...layers(graph).rank.values()) > DAGRE_MAX_COLUMNS) {
    return layeredLayout(graph);
  }
  try {
    return dagreLayout(graph);
  } catch (error) {
    // dagre walks the graph recursively: a chain of a thousand tasks can overflow a worker's
    // stack. The plain layering below has no recursion.
    if (error instanceof RangeError) return layeredLayout(graph);
    throw error;
  }
}

function dagreLayout(graph: VisibleGraph): Layout {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  const quick = graph.nodes.length > QUICK_LAYOUT_NODES;
  // Not disableOptimalOrderHeuristic: quicker still, but it squashes the frames of clusters.
  const options = quick ? { ranker: "tight-tree" as const } : {};
  g.setGraph({ rankdir: "LR", nodesep: 30, ranksep: 56, edgesep: 12, marginx: 16, marginy: 16 + FRAME_HEADER, ...options });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) {
    if (node.kind === "group" && !node.collapsed) {
      g.setNode(node.id, { width: 0, height: 0 }); // a cluster: dagre sizes it around its children
    } else {
      g.setNode(node.id, nodeSize(node));
    }
  }
  for (const node of graph.nodes) if (node.parent !== null) g.setParent(node.id, node.parent);
  for (const edge of graph.edges) {
    const size = edge.label ? labelSize(edge.label) : { width: 0, height: 0 };
    g.setEdge(edge.source, edge.target, { ...size, labelpos: "c" });
  }
  dagre.layout(g, options);

  const nodes = graph.nodes.map((node) => {
    const placed = g.node(node.id) as NodeLabel;
    const x = (placed.x ?? 0) - placed.width / 2;
    const y = (placed.y ?? 0) - placed.height / 2;
    return { ...node, x, y, width: placed.width, height: placed.height };
  });
  // Edges leave a node on its right side and enter the next on its left, as in Airflow.
  const at = new Map(nodes.map((node) => [node.id, node]));
  const edges = graph.edges.map((edge) => {
    const placed = g.edge(edge.source, edge.target) as EdgeLabel | undefined;
    const points = (placed?.points ?? []).map((p) => ({ x: p.x, y: p.y }));
    const source = at.get(edge.source);
    const target = at.get(edge.target);
    if (points.length >= 2 && source && target) {
      points[0] = { x: source.x + source.width, y: source.y + source.height / 2 };
      points[points.length - 1] = { x: target.x, y: target.y + target.height / 2 };
    }
    return {
      ...edge,
      points,
      labelX: edge.label && placed?.x !== undefined ? placed.x : null,
      labelY: edge.label && placed?.y !== undefined ? placed.y : null,
    };
  });
  let width = 0;
  let height = 0;
  for (const node of nodes) {
    width = Math.max(width, node.x + node.width);
    height = Math.max(height, node.y + node.height);
  }
  return { nodes, edges, width, height };
}

/** The nodes drawn as boxes (not frames), their upstream nodes, and each one's column: its longest
 * path from a root, by Kahn's order (no recursion). */
function layers(graph: VisibleGraph) {
  const leaves = graph.nodes.filter((n) => !(n.kind === "group" && !n.collapsed));
  const index = new Map(leaves.map((n, i) => [n.id, i]));
  const upstream = new Map<string, string[]>(leaves.map((n) => [n.id, []]));
  const downstream = new Map<string, string[]>(leaves.map((n) => [n.id, []]));
  for (const edge of graph.edges) {
    if (!index.has(edge.source) || !index.has(edge.target)) continue;
    upstream.get(edge.target)!.push(edge.source);
    downstream.get(edge.source)!.push(edge.target);
  }
  const rank = new Map<string, number>();
  const waiting = new Map(leaves.map((n) => [n.id, upstream.get(n.id)!.length]));
  const queue = leaves.filter((n) => waiting.get(n.id) === 0).map((n) => n.id);
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head];
    rank.set(id, Math.max(0, ...upstream.get(id)!.map((u) => (rank.get(u) ?? 0) + 1)));
    for (const next of downstream.get(id)!) {
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  for (const node of leaves) if (!rank.has(node.id)) rank.set(node.id, 0); // a cycle: not in a DAG
  return { leaves, index, upstream, rank };
}

/** Columns beyond which dagre is not tried: its recursion goes this deep and more. */
export const DAGRE_MAX_COLUMNS = 300;

const RANK_SEP = 56;
const NODE_SEP = 30;
const FRAME_PAD = 14;

/**
 * A plain layered layout without recursion, for graphs dagre cannot take: tasks in columns by
 * their longest path from a root (Kahn's order), each column ordered by where its upstream tasks
 * are; frames are the boxes around their children; edges go straight from right to left side.
 */
export function layeredLayout(graph: VisibleGraph): Layout {
  const { leaves, index, upstream, rank } = layers(graph);
  const columns: string[][] = [];
  for (const node of leaves) (columns[rank.get(node.id)!] ??= []).push(node.id);
  const sizes = new Map(leaves.map((n) => [n.id, nodeSize(n)]));
  const place = new Map<string, { x: number; y: number }>();
  let x = 16;
  for (const column of columns) {
    if (!column) continue;
    const centre = (id: string) => {
      const ys = upstream.get(id)!.map((u) => place.get(u)!.y);
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : index.get(id)!;
    };
    column.sort((a, b) => centre(a) - centre(b) || index.get(a)! - index.get(b)!);
    const width = Math.max(...column.map((id) => sizes.get(id)!.width));
    let y = 16 + FRAME_HEADER + FRAME_PAD;
    for (const id of column) {
      place.set(id, { x, y });
      y += sizes.get(id)!.height + NODE_SEP;
    }
    x += width + RANK_SEP;
  }
  const boxes = new Map<string, { x: number; y: number; width: number; height: number }>();
  for (const node of leaves) boxes.set(node.id, { ...place.get(node.id)!, ...sizes.get(node.id)! });
  const frames = graph.nodes.filter((n) => !index.has(n.id)).sort((a, b) => b.depth - a.depth);
  for (const frame of frames) {
    const inside = graph.nodes.filter((n) => n.parent === frame.id && boxes.has(n.id)).map((n) => boxes.get(n.id)!);
    if (!inside.length) {
      boxes.set(frame.id, { x: 0, y: 0, width: 0, height: 0 });
      continue;
    }
    const left = Math.min(...inside.map((b) => b.x)) - FRAME_PAD;
    const top = Math.min(...inside.map((b) => b.y)) - FRAME_PAD;
    const right = Math.max(...inside.map((b) => b.x + b.width)) + FRAME_PAD;
    const bottom = Math.max(...inside.map((b) => b.y + b.height)) + FRAME_PAD;
    boxes.set(frame.id, { x: left, y: top, width: right - left, height: bottom - top });
  }
  const nodes = graph.nodes.map((node) => ({ ...node, ...boxes.get(node.id)! }));
  const edges = graph.edges.map((edge) => {
    const from = boxes.get(edge.source);
    const to = boxes.get(edge.target);
    const points = from && to ? [
      { x: from.x + from.width, y: from.y + from.height / 2 },
      { x: to.x, y: to.y + to.height / 2 },
    ] : [];
    const middle = points.length ? { x: (points[0].x + points[1].x) / 2, y: (points[0].y + points[1].y) / 2 } : null;
    return { ...edge, points, labelX: edge.label && middle ? middle.x : null, labelY: edge.label && middle ? middle.y : null };
  });
  return {
    nodes,
    edges,
    width: Math.max(0, ...nodes.map((n) => n.x + n.width)),
    height: Math.max(0, ...nodes.map((n) => n.y + n.height)),
  };
}
