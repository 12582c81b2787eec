import { useState } from "react";
import { api } from "../../api/client";
import { paths, useChange, usePools, type Pool } from "../../api/admin";
import { useSession } from "../../auth/session";
import { ErrorBox, Loading } from "../../components/Feedback";
import { ConfirmDelete, Field, FormDialog, Pager, ReadOnlyNote } from "./shared";

/** Pools: slots and their use; Op and above create, edit (slots, description) and delete. */
export default function Pools() {
  const { can } = useSession();
  const mayEdit = can("Op");
  const [offset, setOffset] = useState(0);
  const pools = usePools(offset);
  const [editing, setEditing] = useState<Pool | "new" | null>(null);
  const [deleting, setDeleting] = useState<Pool | null>(null);
  const remove = useChange("pools", (name: string) => api.delete(paths.pool(name)));
  return (
    <div className="admin-page" data-testid="pools-page">
      <header className="page-header">
        <h1>Pools</h1>
        <span className="spacer" />
        {mayEdit ? (
          <button type="button" className="primary" data-testid="add-button" onClick={() => setEditing("new")}>
            + Add pool
          </button>
        ) : (
          <ReadOnlyNote role="Op" />
        )}
      </header>
      {pools.isPending ? (
        <Loading what="pools" />
      ) : pools.isError ? (
        <ErrorBox error={pools.error} />
      ) : (
        <>
          <table className="table" data-testid="pools-table">
            <thead>
              <tr>
                <th>Pool</th>
                <th className="num">Slots</th>
                <th className="num">Occupied</th>
                <th className="num">Running</th>
                <th className="num">Queued</th>
                <th className="num">Scheduled</th>
                <th className="num">Deferred</th>
                <th className="num">Open</th>
                <th>Description</th>
                {mayEdit && <th />}
              </tr>
            </thead>
            <tbody>
              {pools.data.items.map((p) => (
                <tr key={p.name} data-testid="pool-row" data-name={p.name}>
                  <td>
                    <b>{p.name}</b>
                  </td>
                  <td className="num">{p.slots}</td>
                  <td className="num">{p.occupied_slots}</td>
                  <td className="num">{p.running_slots}</td>
                  <td className="num">{p.queued_slots}</td>
                  <td className="num">{p.scheduled_slots}</td>
                  <td className="num">{p.deferred_slots}{p.include_deferred ? "" : " (not counted)"}</td>
                  <td className="num">{p.open_slots}</td>
                  <td>{p.description}</td>
                  {mayEdit && (
                    <td className="row-actions">
                      <button type="button" data-testid="edit-button" onClick={() => setEditing(p)}>
                        Edit
                      </button>
                      <button type="button" data-testid="delete-button" onClick={() => setDeleting(p)}>
                        Delete
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          <Pager offset={offset} total={pools.data.total} shown={pools.data.items.length} onOffset={setOffset} noun="pools" />
        </>
      )}
      {editing && <PoolForm pool={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      {deleting && (
        <ConfirmDelete
          what={`pool ${deleting.name}`}
          error={remove.error}
          pending={remove.isPending}
          onClose={() => {
            remove.reset();
            setDeleting(null);
          }}
          onConfirm={() => remove.mutate(deleting.name, { onSuccess: () => setDeleting(null) })}
        />
      )}
    </div>
  );
}

function PoolForm({ pool, onClose }: { pool: Pool | null; onClose: () => void }) {
  const [name, setName] = useState(pool?.name ?? "");
  const [slots, setSlots] = useState(String(pool?.slots ?? 1));
  const [description, setDescription] = useState(pool?.description ?? "");
  const [includeDeferred, setIncludeDeferred] = useState(pool?.include_deferred ?? false);
  const save = useChange("pools", () => {
    const body = { slots: Number(slots), description: description || null, include_deferred: includeDeferred };
    return pool ? api.patch(paths.pool(pool.name), body) : api.post("/api/v2/pools", { name, ...body });
  });
  return (
    <FormDialog
      title={pool ? `Edit pool ${pool.name}` : "Add a pool"}
      onClose={onClose}
      onSubmit={() => save.mutate(undefined, { onSuccess: onClose })}
      error={save.error}
      pending={save.isPending}
    >
      <Field label="Name">
        <input name="name" value={name} required disabled={pool !== null} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label="Slots">
        <input name="slots" type="number" min={0} value={slots} required onChange={(e) => setSlots(e.target.value)} />
      </Field>
      <Field label="Description">
        <input name="description" value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      <label className="checkbox-row">
        <input type="checkbox" checked={includeDeferred} onChange={(e) => setIncludeDeferred(e.target.checked)} /> Deferred
        tasks take slots
      </label>
    </FormDialog>
  );
}
