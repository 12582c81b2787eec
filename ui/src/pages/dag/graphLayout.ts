// Places the visible graph left to right with dagre: in a Web Worker (graphLayout.worker.ts), as
// dagre takes seconds for a thousand nodes shown.
import dagre, { type EdgeLabel, type NodeLabel } from "@dagrejs/dagre";
import { FRAME_HEADER, QUICK_LAYOUT_NODES, labelSize, nodeSize, type Layout, type VisibleGraph } from "./graphModel";

/**
 * Places the visible graph left to right with dagre (expanded groups as clusters around their
 * children). Returns boxes by their top left corner and each edge's route and label centre.
 */
export function layoutGraph(graph: VisibleGraph): Layout {
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
