// Pools, variables, connections, users and roles, assets: types and React Query hooks.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, seg } from "./client";
import { pollEvery } from "./live";

export interface Pool {
  name: string;
  slots: number;
  description: string | null;
  include_deferred: boolean;
  occupied_slots: number;
  running_slots: number;
  queued_slots: number;
  scheduled_slots: number;
  open_slots: number;
  deferred_slots: number;
}

export interface Variable {
  key: string;
  value: string | null;
  description: string | null;
  is_encrypted: boolean;
}

export interface Connection {
  connection_id: string;
  conn_type: string;
  description: string | null;
  host: string | null;
  login: string | null;
  schema: string | null;
  port: number | null;
  password: string | null;
  extra: string | null;
}

export interface User {
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  active: boolean;
  roles: { name: string }[];
  created_on: string;
  last_login: string | null;
}

export interface Role {
  name: string;
  permissions: string[];
}

export interface Asset {
  id: number;
  name: string;
  uri: string;
  group: string;
  extra: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
  scheduled_dags: { dag_id: string }[];
  producing_tasks: { dag_id: string; task_id: string }[];
  consuming_tasks: { dag_id: string; task_id: string }[];
  last_asset_event: { id: number | null; timestamp: string | null } | null;
}

export interface AssetEvent {
  id: number;
  asset_id: number;
  uri: string | null;
  name: string | null;
  group: string | null;
  extra: Record<string, unknown> | null;
  source_task_id: string | null;
  source_dag_id: string | null;
  source_run_id: string | null;
  source_map_index: number;
  created_dagruns: { run_id: string; dag_id: string; state: string }[];
  timestamp: string;
}

export const ADMIN_PAGE = 50;

function usePage<T>(key: string, path: string, field: string, query: Record<string, string | number | undefined>, live = false) {
  return useQuery({
    queryKey: [key, query],
    queryFn: async () => {
      const body = await api.get<Record<string, unknown>>(path, query);
      return { items: body[field] as T[], total: body.total_entries as number };
    },
    placeholderData: keepPreviousData,
    refetchInterval: pollEvery(live),
  });
}

export const usePools = (offset: number) =>
  usePage<Pool>("pools", "/api/v2/pools", "pools", { limit: ADMIN_PAGE, offset, order_by: "name" });

export const useVariables = (search: string, offset: number) =>
  usePage<Variable>("variables", "/api/v2/variables", "variables", {
    limit: ADMIN_PAGE,
    offset,
    order_by: "key",
    variable_key_pattern: search || undefined,
  });

export const useConnections = (search: string, offset: number) =>
  usePage<Connection>("connections", "/api/v2/connections", "connections", {
    limit: ADMIN_PAGE,
    offset,
    order_by: "connection_id",
    connection_id_pattern: search || undefined,
  });

export const useUsers = (offset: number) =>
  usePage<User>("users", "/auth/fab/v1/users", "users", { limit: ADMIN_PAGE, offset });

export const useRoles = () =>
  useQuery({ queryKey: ["roles"], queryFn: () => api.get<{ roles: Role[] }>("/auth/fab/v1/roles"), staleTime: 300_000 });

export const useAssets = (offset: number) =>
  usePage<Asset>("assets", "/api/v2/assets", "assets", { limit: ADMIN_PAGE, offset, order_by: "name" });

export const useAssetEvents = (offset: number) =>
  usePage<AssetEvent>("assetEvents", "/api/v2/assets/events", "asset_events", {
    limit: ADMIN_PAGE,
    offset,
    order_by: "-timestamp",
  });

/** A change (create, edit, delete) that refreshes the listing `key` once done. */
export function useChange<A>(key: string, run: (arg: A) => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({ mutationFn: run, onSuccess: () => client.invalidateQueries({ queryKey: [key] }) });
}

export const paths = {
  pool: (name: string) => `/api/v2/pools/${seg(name)}`,
  variable: (key: string) => `/api/v2/variables/${seg(key)}`,
  connection: (id: string) => `/api/v2/connections/${seg(id)}`,
  user: (name: string) => `/auth/fab/v1/users/${seg(name)}`,
};
