import { useState } from "react";
import { api } from "../../api/client";
import { paths, useChange, useVariables, type Variable } from "../../api/admin";
import { useSession } from "../../auth/session";
import { ErrorBox, Loading } from "../../components/Feedback";
import { ConfirmDelete, Field, FormDialog, Pager, ReadOnlyNote, SearchBox } from "./shared";

/** Variables: search by key; Op and above create, edit and delete. Sensitive values come
 * from the server as *** and are shown so. */
export default function Variables() {
  const { can } = useSession();
  const mayEdit = can("Op");
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  const variables = useVariables(search, offset);
  const [editing, setEditing] = useState<Variable | "new" | null>(null);
  const [deleting, setDeleting] = useState<Variable | null>(null);
  const remove = useChange("variables", (key: string) => api.delete(paths.variable(key)));
  return (
    <div className="admin-page" data-testid="variables-page">
      <header className="page-header">
        <h1>Variables</h1>
        <SearchBox
          label="Search keys"
          onSearch={(text) => {
            setSearch(text);
            setOffset(0);
          }}
        />
        <span className="spacer" />
        {mayEdit ? (
          <button type="button" className="primary" data-testid="add-button" onClick={() => setEditing("new")}>
            + Add variable
          </button>
        ) : (
          <ReadOnlyNote role="Op" />
        )}
      </header>
      {variables.isPending ? (
        <Loading what="variables" />
      ) : variables.isError ? (
        <ErrorBox error={variables.error} />
      ) : variables.data.total === 0 ? (
        <div className="empty">{search ? `No variable key contains “${search}”.` : "No variables yet."}</div>
      ) : (
        <>
          <table className="table" data-testid="variables-table">
            <thead>
              <tr>
                <th>Key</th>
                <th>Value</th>
                <th>Description</th>
                <th>Encrypted</th>
                {mayEdit && <th />}
              </tr>
            </thead>
            <tbody>
              {variables.data.items.map((v) => (
                <tr key={v.key} data-testid="variable-row" data-key={v.key}>
                  <td>
                    <b>{v.key}</b>
                  </td>
                  <td className="value-cell" title={v.value ?? ""}>
                    {v.value}
                  </td>
                  <td>{v.description}</td>
                  <td>{v.is_encrypted ? "yes" : "no"}</td>
                  {mayEdit && (
                    <td className="row-actions">
                      <button type="button" data-testid="edit-button" onClick={() => setEditing(v)}>
                        Edit
                      </button>
                      <button type="button" data-testid="delete-button" onClick={() => setDeleting(v)}>
                        Delete
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          <Pager offset={offset} total={variables.data.total} shown={variables.data.items.length} onOffset={setOffset} noun="variables" />
        </>
      )}
      {editing && <VariableForm variable={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      {deleting && (
        <ConfirmDelete
          what={`variable ${deleting.key}`}
          error={remove.error}
          pending={remove.isPending}
          onClose={() => {
            remove.reset();
            setDeleting(null);
          }}
          onConfirm={() => remove.mutate(deleting.key, { onSuccess: () => setDeleting(null) })}
        />
      )}
    </div>
  );
}

const MASK = "***";

function VariableForm({ variable, onClose }: { variable: Variable | null; onClose: () => void }) {
  const masked = variable?.value === MASK;
  const [key, setKey] = useState(variable?.key ?? "");
  const [value, setValue] = useState(masked ? "" : (variable?.value ?? ""));
  const [description, setDescription] = useState(variable?.description ?? "");
  const save = useChange("variables", () => {
    if (!variable) return api.post("/api/v2/variables", { key, value, description: description || null });
    // A sensitive value is never shown: left empty, it stays as it is.
    const keepValue = masked && value === "";
    // The API wants a value in the body: the mask then, with only the description in the update mask.
    const body = { key, value: keepValue ? MASK : value, description: description || null };
    return api.patch(paths.variable(variable.key), body, { update_mask: keepValue ? ["description"] : undefined });
  });
  return (
    <FormDialog
      title={variable ? `Edit variable ${variable.key}` : "Add a variable"}
      onClose={onClose}
      onSubmit={() => save.mutate(undefined, { onSuccess: onClose })}
      error={save.error}
      pending={save.isPending}
    >
      <Field label="Key">
        <input name="key" value={key} required disabled={variable !== null} onChange={(e) => setKey(e.target.value)} />
      </Field>
      <Field label="Value" hint={masked ? "A sensitive value: leave empty to keep it." : undefined}>
        <textarea name="value" rows={4} value={value} placeholder={masked ? "(unchanged)" : ""} onChange={(e) => setValue(e.target.value)} />
      </Field>
      <Field label="Description">
        <input name="description" value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
    </FormDialog>
  );
}
