// The DAG list: /ui/dags (a page of DAGs with their newest runs), the owner and tag filter
// choices, import errors and the home counts.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, seg } from "./client";
import type { Dag } from "./dags";
import type { RunSummary } from "./runSummary";
import { pollEvery } from "./live";

export interface ListedDag extends Dag {
  /** The newest runs, oldest of them first (drawn newest last). */
  latest_dag_runs: RunSummary[];
}

export interface DagListFilter {
  search: string;
  tags: string[];
  owners: string[];
  /** "all", "active" or "paused" */
  paused: "all" | "active" | "paused";
  limit: number;
  offset: number;
}

export interface DagListPage {
  dags: ListedDag[];
  total_entries: number;
}

const RUNNING = new Set(["running", "queued"]);

export function dagListQuery(filter: DagListFilter) {
  return {
    // A substring of the dag id or of the display name (server side, case-insensitive).
    search: filter.search.trim() || undefined,
    tags: filter.tags,
    owners: filter.owners,
    paused: filter.paused === "all" ? undefined : filter.paused === "paused",
    limit: filter.limit,
    offset: filter.offset,
    runs: 10,
  };
}

export function useDagList(filter: DagListFilter) {
  return useQuery({
    queryKey: ["dags", "list", filter],
    queryFn: () => api.get<DagListPage>("/ui/dags", dagListQuery(filter)),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      pollEvery(query.state.data?.dags.some((d) => d.latest_dag_runs.some((r) => RUNNING.has(r.state))) ?? false),
  });
}

export function useDagOwners() {
  return useQuery({
    queryKey: ["dags", "owners"],
    queryFn: () => api.get<{ owners: string[] }>("/ui/dags/owners"),
    staleTime: 60_000,
  });
}

export function useDagTags() {
  return useQuery({
    queryKey: ["dags", "tags"],
    queryFn: () => api.get<{ tags: string[]; total_entries: number }>("/api/v2/dagTags", { limit: 1000 }),
    staleTime: 60_000,
  });
}

export interface ImportError {
  import_error_id: number;
  timestamp: string;
  filename: string;
  bundle_name: string | null;
  stack_trace: string;
}

export function useImportErrors() {
  return useQuery({
    queryKey: ["importErrors"],
    queryFn: () =>
      api.get<{ import_errors: ImportError[]; total_entries: number }>("/api/v2/importErrors", {
        limit: 200,
        order_by: "filename",
      }),
    refetchInterval: pollEvery(false),
  });
}

export interface Dashboard {
  dags: { total: number; active: number; paused: number; running: number; queued: number; failed: number; import_errors: number };
  dag_runs: Record<string, number>;
  task_instances: Record<string, number>;
}

export function useDashboard() {
  return useQuery({
    queryKey: ["dashboard"],
    queryFn: () => api.get<Dashboard>("/ui/dashboard"),
    refetchInterval: (query) => pollEvery((query.state.data?.dags.running ?? 0) + (query.state.data?.dags.queued ?? 0) > 0),
  });
}

/** Pause or unpause one DAG of the list; the list is refreshed after. */
export function usePauseListedDag() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ dagId, paused }: { dagId: string; paused: boolean }) =>
      api.patch<Dag>(`/api/v2/dags/${seg(dagId)}`, { is_paused: paused }),
    onSuccess: (dag) => {
      client.setQueryData(["dag", dag.dag_id], dag);
      // The toggle shows the new state at once, before the list is fetched again.
      client.setQueriesData<DagListPage>({ queryKey: ["dags", "list"] }, (page) =>
        page && { ...page, dags: page.dags.map((d) => (d.dag_id === dag.dag_id ? { ...d, is_paused: dag.is_paused } : d)) },
      );
      return Promise.all([
        client.invalidateQueries({ queryKey: ["dags"] }),
        client.invalidateQueries({ queryKey: ["dashboard"] }),
      ]);
    },
  });
}
