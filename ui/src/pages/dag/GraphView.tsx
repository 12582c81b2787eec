// The DAG's graph (/dags/:dagId/graph): tasks left to right as dagre places them, task groups
// collapsible, edge labels, setup/teardown marked, coloured by the states of the selected run
// (`?run_id=`, by default the newest), which are polled while that run runs.
import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
  type ColorMode,
  type Node,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { useRecentRuns, useRunStates, useStructure, type RecentRun, type RunStates } from "../../api/graph";
import { runLink, taskInstanceLink } from "../../api/links";
import { ErrorBox, Loading } from "../../components/Feedback";
import { formatDate } from "../../components/format";
import { StateBadge } from "../../components/StateBadge";
import { stateColor, stateLabel } from "../../components/states";
import "./graph.css";
import { edgeTypes, nodeTypes, type DagreFlowEdge, type GraphNodeData } from "./GraphNodes";
import type { LayoutRequest } from "./graphLayout.worker";
import { defaultCollapsed, groupIds, type Layout, type PlacedNode, type VisibleGraph, visibleGraph } from "./graphModel";

/** The page's theme, followed as the user switches it. */
function useColorMode(): ColorMode {
  const read = () => (document.documentElement.dataset.theme === "dark" ? "dark" : "light");
  const [mode, setMode] = useState<ColorMode>(read);
  useEffect(() => {
    const observer = new MutationObserver(() => setMode(read()));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    return () => observer.disconnect();
  }, []);
  return mode;
}

type Laid = { graph: VisibleGraph; layout: Layout };

/** The layout of `graph`, computed in a Web Worker (in the page when workers are not available). */
function useLayout(graph: VisibleGraph | null): { laid: Laid | null; busy: boolean; error: string | null } {
  const [laid, setLaid] = useState<Laid | null>(null);
  const [error, setError] = useState<string | null>(null);
  const worker = useRef<Worker | null>(null);
  const asked = useRef(new Map<number, VisibleGraph>());
  const latest = useRef(0);

  useEffect(() => {
    if (typeof Worker === "undefined") return;
    const created = new Worker(new URL("./graphLayout.worker.ts", import.meta.url), { type: "module" });
    created.onmessage = (event: MessageEvent<{ id: number; layout?: Layout; error?: string }>) => {
      const { id, layout, error: failed } = event.data;
      const graphAsked = asked.current.get(id);
      asked.current.delete(id);
      if (id !== latest.current || !graphAsked) return;
      if (layout) setLaid({ graph: graphAsked, layout });
      setError(failed ?? null);
    };
    worker.current = created;
    return () => {
      created.terminate();
      worker.current = null;
    };
  }, []);

  useEffect(() => {
    if (!graph) return;
    const id = ++latest.current;
    if (worker.current) {
      asked.current.set(id, graph);
      worker.current.postMessage({ id, graph } satisfies LayoutRequest);
      return;
    }
    import("./graphLayout")
      .then(({ layoutGraph }) => {
        if (id === latest.current) setLaid({ graph, layout: layoutGraph(graph) });
      })
      .catch((e: unknown) => setError(String(e)));
  }, [graph]);

  return { laid, busy: graph !== null && laid?.graph !== graph, error };
}

const runLabel = (run: RecentRun): string =>
  `${formatDate(run.logical_date ?? run.run_after)} · ${run.run_type} · ${stateLabel(run.state)}`;

function RunPicker({ runs, chosen, onChoose }: { runs: RecentRun[]; chosen: string | null; onChoose: (runId: string | null) => void }) {
  const newest = runs[0];
  const listed = chosen === null || runs.some((r) => r.dag_run_id === chosen);
  return (
    <label className="graph-run-picker">
      Run{" "}
      <select data-testid="run-picker" value={chosen ?? ""} onChange={(e) => onChoose(e.target.value || null)}>
        <option value="">{newest ? `Newest: ${runLabel(newest)}` : "No runs yet"}</option>
        {!listed && chosen && <option value={chosen}>{chosen}</option>}
        {runs.map((run) => (
          <option key={run.dag_run_id} value={run.dag_run_id} title={run.dag_run_id}>
            {runLabel(run)}
          </option>
        ))}
      </select>
    </label>
  );
}

function stateOf(node: PlacedNode, states: RunStates | undefined): string | null {
  if (!states) return null;
  return (node.kind === "task" ? states.task_states[node.id] : states.group_states[node.id]) ?? null;
}

/** React Flow's nodes, their data kept when nothing of it changed (a poll redraws only what changed). */
function useFlowNodes(
  layout: Layout | null,
  states: RunStates | undefined,
  dagId: string,
  runId: string | null,
  onToggle: (id: string) => void,
): Node<GraphNodeData>[] {
  const previous = useRef(new Map<string, Node<GraphNodeData>>());
  return useMemo(() => {
    if (!layout) return [];
    const kept = new Map<string, Node<GraphNodeData>>();
    const nodes = layout.nodes.map((node) => {
      const state = stateOf(node, states);
      const counts = states?.counts[node.id] ?? null;
      const href = node.kind === "task" && runId ? taskInstanceLink(dagId, runId, node.id) : null;
      const type = node.kind === "task" ? "task" : node.collapsed ? "taskgroup" : "frame";
      const old = previous.current.get(node.id);
      const same =
        old &&
        old.data.node === node &&
        old.data.state === state &&
        old.data.href === href &&
        old.data.onToggle === onToggle &&
        JSON.stringify(old.data.counts) === JSON.stringify(counts);
      const flow: Node<GraphNodeData> = same
        ? old
        : {
            id: node.id,
            type,
            position: { x: node.x, y: node.y },
            width: node.width,
            height: node.height,
            style: { width: node.width, height: node.height },
            zIndex: type === "frame" ? node.depth : 100,
            draggable: false,
            selectable: false,
            connectable: false,
            data: { node, state, counts, href, onToggle },
          };
      kept.set(node.id, flow);
      return flow;
    });
    previous.current = kept;
    return nodes;
  }, [layout, states, dagId, runId, onToggle]);
}

function useFlowEdges(layout: Layout | null): DagreFlowEdge[] {
  return useMemo(
    () =>
      (layout?.edges ?? []).map((edge) => ({
        id: edge.id,
        source: edge.source,
        target: edge.target,
        type: "dagre" as const,
        zIndex: 50,
        selectable: false,
        focusable: false,
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
        className: edge.setupTeardown ? "graph-edge setup-teardown" : "graph-edge",
        data: { edge },
      })),
    [layout],
  );
}

/** Below this zoom a graph is not fitted whole: its start (left) is shown readable instead. */
const FIT_MIN_ZOOM = 0.3;
const READABLE_ZOOM = 0.6;
/** Expanding a group fits the whole graph again when it reads at this zoom or more. */
const WHOLE_READABLE_ZOOM = 0.55;

/**
 * Fits the graph in view whenever its layout changes: the group just expanded, or all of it. A
 * graph too long to read when fitted (a chain of 100 tasks) is shown from its left end instead;
 * the minimap and the controls reach the rest.
 */
function FitOnLayout({ layout, focus }: { layout: Layout | null; focus: string | null }) {
  const flow = useReactFlow();
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  useEffect(() => {
    if (!layout || !width || !height) return;
    const zoomToFit = (box: { width: number; height: number }) =>
      Math.min(width / (box.width * 1.1), height / (box.height * 1.1));
    const whole = { x: 0, y: 0, width: layout.width, height: layout.height };
    // The group just expanded, unless the whole graph reads well anyway.
    const focused =
      focus && zoomToFit(whole) < WHOLE_READABLE_ZOOM ? layout.nodes.find((n) => n.id === focus) : undefined;
    const box = focused ?? whole;
    const fit = zoomToFit(box);
    const frame = requestAnimationFrame(() => {
      if (fit >= FIT_MIN_ZOOM) {
        void flow.fitView({ nodes: focused ? [{ id: focused.id }] : undefined, padding: 0.08, maxZoom: 1.1 });
      } else {
        const zoom = Math.min(READABLE_ZOOM, height / (box.height * 1.1));
        void flow.setViewport({ zoom, x: 24 - box.x * zoom, y: height / 2 - (box.y + box.height / 2) * zoom });
      }
    });
    return () => cancelAnimationFrame(frame);
    // Only a new layout or focus refits: a resized window keeps the user's view.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout, focus, flow, width > 0 && height > 0]);
  return null;
}

export default function GraphView() {
  const { dagId = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const colorMode = useColorMode();
  const structure = useStructure(dagId);
  const runs = useRecentRuns(dagId);
  const chosen = search.get("run_id");
  const runId = chosen ?? runs.data?.dag_runs[0]?.dag_run_id ?? null;
  const states = useRunStates(dagId, runId);
  const [collapsedSet, setCollapsedSet] = useState<Set<string> | null>(null);
  const [focus, setFocus] = useState<string | null>(null);
  const setCollapsed = (next: Set<string>) => {
    setFocus(null);
    setCollapsedSet(next);
  };

  const collapsed = useMemo(
    () => collapsedSet ?? (structure.data ? defaultCollapsed(structure.data) : new Set<string>()),
    [collapsedSet, structure.data],
  );
  const visible = useMemo(() => (structure.data ? visibleGraph(structure.data, collapsed) : null), [structure.data, collapsed]);
  const { laid, busy, error } = useLayout(visible);
  const layout = laid?.layout ?? null;

  // Expanding a group brings its frame into view; collapsing one shows the whole graph again.
  const toggle = useCallback(
    (groupId: string) => {
      const next = new Set(collapsed);
      const expanding = next.delete(groupId);
      if (!expanding) next.add(groupId);
      setFocus(expanding ? groupId : null);
      setCollapsedSet(next);
    },
    [collapsed],
  );
  const shownStates = states.data && states.data.run_id === runId ? states.data : undefined;
  // The run's state changed (it started, it ended): the picker's list says so at once.
  const queryClient = useQueryClient();
  const shownRunState = shownStates?.run_state;
  const listedRunState = runs.data?.dag_runs.find((r) => r.dag_run_id === runId)?.state;
  useEffect(() => {
    if (shownRunState && listedRunState && shownRunState !== listedRunState) {
      void queryClient.invalidateQueries({ queryKey: ["dagRuns", dagId, "recent"] });
    }
  }, [shownRunState, listedRunState, queryClient, dagId]);
  const nodes = useFlowNodes(layout, shownStates, dagId, runId, toggle);
  const edges = useFlowEdges(layout);

  const choose = (next: string | null) => {
    const params = new URLSearchParams(search);
    if (next) params.set("run_id", next);
    else params.delete("run_id");
    setSearch(params);
  };

  if (structure.isPending) return <Loading what="the graph" />;
  if (structure.isError) return <ErrorBox error={structure.error} />;
  const groups = groupIds(structure.data);
  return (
    <div className="graph-view" data-testid="graph-view">
      <div className="toolbar">
        <RunPicker runs={runs.data?.dag_runs ?? []} chosen={chosen} onChoose={choose} />
        {shownStates && (
          <span data-testid="graph-run-state" data-state={shownStates.run_state}>
            <StateBadge state={shownStates.run_state} />
          </span>
        )}
        {runId && <Link to={runLink(dagId, runId)}>Run details</Link>}
        <span className="spacer" />
        {busy && <span className="muted" role="status">Laying out {visible?.nodes.length} nodes…</span>}
        {groups.length > 0 && (
          <>
            <button type="button" data-testid="expand-all" onClick={() => setCollapsed(new Set())}>
              Expand all
            </button>
            <button type="button" data-testid="collapse-all" onClick={() => setCollapsed(new Set(groups))}>
              Collapse all
            </button>
          </>
        )}
      </div>
      {error && <ErrorBox error={`The graph could not be laid out: ${error}`} />}
      {states.isError && <ErrorBox error={states.error} />}
      <div className="graph-canvas" data-testid="graph-canvas" data-laid-out={layout && !busy ? "true" : "false"}>
        <ReactFlowProvider>
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            colorMode={colorMode}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable={false}
            onlyRenderVisibleElements={nodes.length > 200}
            minZoom={0.02}
            maxZoom={2}
            fitView
            onNodeClick={(event, node) => {
              if ((event.target as Element).closest("a, button")) return;
              const data = node.data as GraphNodeData;
              if (data.href) navigate(data.href);
              else if (node.type === "taskgroup") toggle(node.id);
            }}
          >
            <FitOnLayout layout={layout} focus={focus} />
            <Background gap={20} size={1} />
            <Controls showInteractive={false} />
            <MiniMap
              pannable
              zoomable
              nodeColor={(node) => {
                const data = node.data as GraphNodeData;
                if (node.type === "frame") return "transparent";
                return data.state && data.state !== "none" ? stateColor(data.state) : "#9aa5b1";
              }}
            />
          </ReactFlow>
        </ReactFlowProvider>
      </div>
    </div>
  );
}
