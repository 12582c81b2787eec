import { useState } from "react";
import { api } from "../../api/client";
import { paths, useChange, useConnections, type Connection } from "../../api/admin";
import { AdminListPage, useListState } from "./AdminList";
import { Field, FormDialog } from "./shared";
import { checkExtra } from "./extra";

/** Connections: Op and above create, edit and delete. The password is never shown, not even
 * masked, and never put back in a form: left empty when editing, it stays as it is. */
export default function Connections() {
  const list = useListState();
  const connections = useConnections(list.search, list.offset);
  const remove = useChange("connections", (c: Connection) => api.delete(paths.connection(c.connection_id)));
  return (
    <AdminListPage
      title="Connections"
      pageTestId="connections-page"
      testId="connections-table"
      role="Op"
      addLabel="+ Add connection"
      searchLabel="Search connection ids"
      noun="connections"
      list={list}
      query={connections}
      empty={list.search ? `No connection id contains “${list.search}”.` : "No connections yet."}
      header={
        <>
          <th>Connection id</th>
          <th>Type</th>
          <th>Host</th>
          <th>Port</th>
          <th>Schema</th>
          <th>Login</th>
          <th>Description</th>
        </>
      }
      rowKey={(c) => c.connection_id}
      rowAttributes={(c) => ({ "data-testid": "connection-row", "data-id": c.connection_id })}
      cells={(c) => (
        <>
          <td>
            <b>{c.connection_id}</b>
          </td>
          <td>{c.conn_type}</td>
          <td>{c.host}</td>
          <td>{c.port}</td>
          <td>{c.schema}</td>
          <td>{c.login}</td>
          <td>{c.description}</td>
        </>
      )}
      editor={(connection, close) => <ConnectionForm connection={connection} onClose={close} />}
      remove={remove}
      deleteWhat={(c) => `connection ${c.connection_id}`}
    />
  );
}

function ConnectionForm({ connection, onClose }: { connection: Connection | null; onClose: () => void }) {
  const [form, setForm] = useState({
    connection_id: connection?.connection_id ?? "",
    conn_type: connection?.conn_type ?? "",
    description: connection?.description ?? "",
    host: connection?.host ?? "",
    schema: connection?.schema ?? "",
    login: connection?.login ?? "",
    port: connection?.port === null || connection?.port === undefined ? "" : String(connection.port),
    extra: connection?.extra ?? "",
  });
  // Never filled from the server: typed here only, sent only when typed.
  const [password, setPassword] = useState("");
  const [extraError, setExtraError] = useState<string | null>(null);
  const set = (name: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value });
  const save = useChange("connections", () => {
    const body: Record<string, unknown> = {
      connection_id: form.connection_id,
      conn_type: form.conn_type,
      description: form.description || null,
      host: form.host || null,
      schema: form.schema || null,
      login: form.login || null,
      port: form.port === "" ? null : Number(form.port),
      extra: form.extra.trim() || null,
    };
    if (password !== "") body.password = password;
    return connection ? api.patch(paths.connection(connection.connection_id), body) : api.post("/api/v2/connections", body);
  });
  const submit = () => {
    const problem = checkExtra(form.extra);
    setExtraError(problem);
    if (!problem) save.mutate(undefined, { onSuccess: onClose });
  };
  return (
    <FormDialog
      title={connection ? `Edit connection ${connection.connection_id}` : "Add a connection"}
      onClose={onClose}
      onSubmit={submit}
      error={save.error}
      pending={save.isPending}
    >
      <div className="two">
        <Field label="Connection id">
          <input name="connection_id" value={form.connection_id} required disabled={connection !== null} onChange={set("connection_id")} />
        </Field>
        <Field label="Type">
          <input name="conn_type" value={form.conn_type} required placeholder="postgres, http, aws…" onChange={set("conn_type")} />
        </Field>
        <Field label="Host">
          <input name="host" value={form.host} onChange={set("host")} />
        </Field>
        <Field label="Port">
          <input name="port" type="number" value={form.port} onChange={set("port")} />
        </Field>
        <Field label="Schema">
          <input name="schema" value={form.schema} onChange={set("schema")} />
        </Field>
        <Field label="Login">
          <input name="login" value={form.login} autoComplete="off" onChange={set("login")} />
        </Field>
      </div>
      <Field label="Password" hint={connection ? "Never shown. Leave empty to keep the current password." : undefined}>
        <input
          name="password"
          type="password"
          autoComplete="new-password"
          value={password}
          placeholder={connection ? "(unchanged)" : ""}
          onChange={(e) => setPassword(e.target.value)}
        />
      </Field>
      <Field label="Description">
        <input name="description" value={form.description} onChange={set("description")} />
      </Field>
      <Field label="Extra (JSON)" hint='A JSON object, e.g. {"timeout": 30}. Sensitive values show as ***: leave them so to keep them.'>
        <textarea name="extra" rows={5} value={form.extra} aria-invalid={extraError !== null} onChange={set("extra")} />
      </Field>
      {extraError && (
        <div className="field-error" role="alert">
          {extraError}
        </div>
      )}
    </FormDialog>
  );
}
