import { useState } from "react";
import { api } from "../../api/client";
import { paths, useChange, useVariables, type Variable } from "../../api/admin";
import { AdminListPage, useListState } from "./AdminList";
import { Field, FormDialog } from "./shared";

/** Variables: search by key; Op and above create, edit and delete. Sensitive values come
 * from the server as *** and are shown so. */
export default function Variables() {
  const list = useListState();
  const variables = useVariables(list.search, list.offset);
  const remove = useChange("variables", (v: Variable) => api.delete(paths.variable(v.key)));
  return (
    <AdminListPage
      title="Variables"
      pageTestId="variables-page"
      testId="variables-table"
      role="Op"
      addLabel="+ Add variable"
      searchLabel="Search keys"
      noun="variables"
      list={list}
      query={variables}
      empty={list.search ? `No variable key contains “${list.search}”.` : "No variables yet."}
      header={
        <>
          <th>Key</th>
          <th>Value</th>
          <th>Description</th>
          <th>Encrypted</th>
        </>
      }
      rowKey={(v) => v.key}
      rowAttributes={(v) => ({ "data-testid": "variable-row", "data-key": v.key })}
      cells={(v) => (
        <>
          <td>
            <b>{v.key}</b>
          </td>
          <td className="value-cell" title={v.value ?? ""}>
            {v.value}
          </td>
          <td>{v.description}</td>
          <td>{v.is_encrypted ? "yes" : "no"}</td>
        </>
      )}
      editor={(variable, close) => <VariableForm variable={variable} onClose={close} />}
      remove={remove}
      deleteWhat={(v) => `variable ${v.key}`}
    />
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
