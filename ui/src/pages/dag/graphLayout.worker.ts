// Lays the graph out off the main thread: dagre takes seconds for a thousand nodes shown, and the
// page must stay responsive meanwhile.
import { layoutGraph } from "./graphLayout";
import type { VisibleGraph } from "./graphModel";

export interface LayoutRequest {
  id: number;
  graph: VisibleGraph;
}

const scope = self as unknown as { onmessage: ((event: MessageEvent<LayoutRequest>) => void) | null; postMessage(message: unknown): void };

scope.onmessage = (event) => {
  const { id, graph } = event.data;
  try {
    scope.postMessage({ id, layout: layoutGraph(graph) });
  } catch (error) {
    scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
