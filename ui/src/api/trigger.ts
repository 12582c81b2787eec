// A DAG's Params (from /api/v2/dags/{dag_id}/details) and triggering a run.
import { useQuery } from "@tanstack/react-query";
import type { DagRun } from "./actions";
import { api, seg } from "./client";
import type { Params } from "../pages/trigger/params";

export interface DagParamsDetails {
  dag_id: string;
  dag_display_name: string;
  params: Params | null;
}

export function useDagParams(dagId: string) {
  return useQuery({
    queryKey: ["dagDetails", dagId],
    queryFn: () => api.get<DagParamsDetails>(`/api/v2/dags/${seg(dagId)}/details`),
    staleTime: 0,
  });
}

export function triggerRun(dagId: string, body: unknown): Promise<DagRun> {
  return api.post<DagRun>(`/api/v2/dags/${seg(dagId)}/dagRuns`, body);
}
