// The graph's node and edge drawings for React Flow: a task, a collapsed group, an expanded
// group's frame, and an edge along dagre's route with its label.
import { BaseEdge, EdgeLabelRenderer, Handle, Position, type Edge, type EdgeProps, type Node, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { Link } from "react-router";
import { stateColor, stateLabel } from "../../components/states";
import { edgePath, type PlacedEdge, type PlacedNode } from "./graphModel";
import { SetupTeardownMark } from "../../components/SetupTeardownMark";

export interface GraphNodeData extends Record<string, unknown> {
  node: PlacedNode;
  /** The task's or group's state in the selected run; null: no run, or no instance in it. */
  state: string | null;
  /** Mapped tasks and groups: their instances by state in the selected run. */
  counts: Record<string, number> | null;
  /** The task instance's page in the selected run. */
  href: string | null;
  onToggle: (groupId: string) => void;
}

export type TaskFlowNode = Node<GraphNodeData, "task">;
export type GroupFlowNode = Node<GraphNodeData, "taskgroup">;
export type FrameFlowNode = Node<GraphNodeData, "frame">;
export type GraphEdgeData = { edge: PlacedEdge } & Record<string, unknown>;
export type DagreFlowEdge = Edge<GraphEdgeData, "dagre">;

const total = (counts: Record<string, number> | null): number | null =>
  counts ? Object.values(counts).reduce((sum, n) => sum + n, 0) : null;

/** Border in the state's colour, a light fill of it; no state: the theme's border. */
function stateStyle(state: string | null): React.CSSProperties {
  if (!state || state === "none") return {};
  const color = stateColor(state);
  return { borderColor: color, background: `color-mix(in srgb, ${color} 16%, var(--bg-raised))` };
}

const countsTitle = (counts: Record<string, number> | null): string =>
  counts
    ? Object.entries(counts)
        .map(([state, n]) => `${stateLabel(state)}: ${n}`)
        .join(", ")
    : "";

const Handles = () => (
  <>
    <Handle type="target" position={Position.Left} isConnectable={false} className="graph-handle" />
    <Handle type="source" position={Position.Right} isConnectable={false} className="graph-handle" />
  </>
);

export const TaskNode = memo(function TaskNode({ data }: NodeProps<TaskFlowNode>) {
  const { node, state, counts, href } = data;
  const instances = total(counts);
  const label = (
    <>
      {node.setupTeardown && <SetupTeardownMark kind={node.setupTeardown} className="graph-st-mark" />}
      <span className="graph-node-name">{node.label}</span>
      {node.isMapped && (
        <span className="graph-mapped" data-testid="mapped-count" title={instances === null ? "Mapped task" : countsTitle(counts)}>
          [{instances ?? " "}]
        </span>
      )}
    </>
  );
  return (
    <div
      className="graph-task"
      data-testid={`graph-node-${node.id}`}
      data-state={state ?? "none"}
      data-setup-teardown={node.setupTeardown ?? undefined}
      style={stateStyle(state)}
      title={`${node.id}${node.operator ? ` (${node.operator})` : ""}: ${stateLabel(state)}`}
    >
      <Handles />
      <div className="graph-node-label">
        {href ? (
          <Link to={href} className="graph-node-link">
            {label}
          </Link>
        ) : (
          label
        )}
      </div>
      <div className="graph-node-sub">
        <span className="graph-operator">{node.operator ?? "task"}</span>
        {state && state !== "none" && <span className="graph-state">{stateLabel(state)}</span>}
      </div>
    </div>
  );
});

function ToggleButton({ node, onToggle }: { node: PlacedNode; onToggle: (id: string) => void }) {
  const verb = node.collapsed ? "Expand" : "Collapse";
  return (
    <button
      type="button"
      className="graph-toggle nodrag"
      data-testid={`group-toggle-${node.id}`}
      aria-label={`${verb} group ${node.label}`}
      title={`${verb} ${node.label}`}
      onClick={(event) => {
        event.stopPropagation();
        onToggle(node.id);
      }}
    >
      {node.collapsed ? "+" : "−"}
    </button>
  );
}

export const GroupNode = memo(function GroupNode({ data }: NodeProps<GroupFlowNode>) {
  const { node, state, counts, onToggle } = data;
  return (
    <div
      className="graph-group"
      data-testid={`graph-group-${node.id}`}
      data-state={state ?? "none"}
      data-collapsed="true"
      style={stateStyle(state)}
      title={[node.tooltip, countsTitle(counts)].filter(Boolean).join("\n") || node.id}
    >
      <Handles />
      <div className="graph-node-label">
        <ToggleButton node={node} onToggle={onToggle} />
        <span className="graph-node-name">{node.label}</span>
        {node.isMapped && <span className="graph-mapped">[ ]</span>}
      </div>
      <div className="graph-node-sub">
        <span>
          {node.taskCount} task{node.taskCount === 1 ? "" : "s"}
        </span>
        {state && state !== "none" && <span className="graph-state">{stateLabel(state)}</span>}
      </div>
    </div>
  );
});

export const FrameNode = memo(function FrameNode({ data }: NodeProps<FrameFlowNode>) {
  const { node, state, onToggle } = data;
  const color = state && state !== "none" ? stateColor(state) : undefined;
  return (
    <div
      className="graph-frame"
      data-testid={`graph-group-${node.id}`}
      data-state={state ?? "none"}
      data-collapsed="false"
      style={color ? { borderColor: color } : undefined}
      title={node.tooltip ?? undefined}
    >
      <div className="graph-frame-legend">
        <ToggleButton node={node} onToggle={onToggle} />
        <span>{node.label}</span>
      </div>
    </div>
  );
});

export const DagreEdge = memo(function DagreEdge({ id, data, markerEnd, style }: EdgeProps<DagreFlowEdge>) {
  if (!data) return null;
  const { edge } = data;
  return (
    <>
      <BaseEdge id={id} path={edgePath(edge.points)} markerEnd={markerEnd} style={style} interactionWidth={0} />
      {edge.label && edge.labelX !== null && edge.labelY !== null && (
        <EdgeLabelRenderer>
          <div
            className="graph-edge-label"
            data-testid="graph-edge-label"
            style={{ transform: `translate(-50%, -50%) translate(${edge.labelX}px, ${edge.labelY}px)` }}
          >
            {edge.label}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
});

export const nodeTypes = { task: TaskNode, taskgroup: GroupNode, frame: FrameNode };
export const edgeTypes = { dagre: DagreEdge };
