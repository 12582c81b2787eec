// The DAG's details (/api/v2/dags/{id}/details) and its file's source (/api/v2/dagSources/{id}).
import { useQuery } from "@tanstack/react-query";
import { api, seg } from "./client";
import type { Dag } from "./dags";

export interface ParamSpec {
  value: unknown;
  schema: Record<string, unknown> & { type?: string | string[]; enum?: unknown[]; title?: string };
  description: string | null;
  source?: string;
}

export interface DagDetails extends Dag {
  catchup: boolean;
  dag_run_timeout: string | null;
  doc_md: string | null;
  start_date: string | null;
  end_date: string | null;
  params: Record<string, ParamSpec> | null;
  timezone: string | null;
  last_parsed: string | null;
  owner_links: Record<string, string> | null;
  active_runs_count: number;
  next_dagrun_data_interval_start: string | null;
  next_dagrun_data_interval_end: string | null;
  max_consecutive_failed_dag_runs: number;
  is_paused_upon_creation: boolean | null;
  render_template_as_native_obj: boolean;
  template_search_path: string[] | null;
  default_args: Record<string, unknown> | null;
}

export interface DagSource {
  content: string | null;
  dag_id: string;
  version_number: number | null;
  dag_display_name: string;
}

export function useDagDetails(dagId: string) {
  return useQuery({
    queryKey: ["dagDetails", dagId],
    queryFn: () => api.get<DagDetails>(`/api/v2/dags/${seg(dagId)}/details`),
  });
}

export function useDagSource(dagId: string) {
  return useQuery({
    queryKey: ["dagSource", dagId],
    queryFn: () => api.get<DagSource>(`/api/v2/dagSources/${seg(dagId)}`),
  });
}
