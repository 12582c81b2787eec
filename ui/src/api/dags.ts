// The DAG as /api/v2/dags/{dag_id} answers it, and the calls every DAG page makes.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, seg } from "./client";

export interface Dag {
  dag_id: string;
  dag_display_name: string;
  is_paused: boolean;
  is_stale: boolean;
  description: string | null;
  timetable_summary: string | null;
  timetable_description: string | null;
  tags: { name: string; dag_id: string }[];
  owners: string[];
  fileloc: string;
  relative_fileloc: string | null;
  next_dagrun_logical_date: string | null;
  next_dagrun_run_after: string | null;
  max_active_runs: number | null;
  max_active_tasks: number;
  has_import_errors: boolean;
}

export const dagKey = (dagId: string) => ["dag", dagId] as const;

export function useDag(dagId: string) {
  return useQuery({ queryKey: dagKey(dagId), queryFn: () => api.get<Dag>(`/api/v2/dags/${seg(dagId)}`) });
}

export function usePauseDag(dagId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (isPaused: boolean) => api.patch<Dag>(`/api/v2/dags/${seg(dagId)}`, { is_paused: isPaused }),
    onSuccess: (dag) => {
      client.setQueryData(dagKey(dagId), dag);
      client.invalidateQueries({ queryKey: ["dags"] });
    },
  });
}
