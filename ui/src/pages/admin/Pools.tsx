import { useState } from "react";
import { api } from "../../api/client";
import { paths, useChange, usePools, type Pool } from "../../api/admin";
import { AdminListPage, useListState } from "./AdminList";
import { Field, FormDialog } from "./shared";

/** Pools: slots and their use; Op and above create, edit (slots, description) and delete. */
export default function Pools() {
  const list = useListState();
  const pools = usePools(list.offset);
  const remove = useChange("pools", (p: Pool) => api.delete(paths.pool(p.name)));
  return (
    <AdminListPage
      title="Pools"
      pageTestId="pools-page"
      testId="pools-table"
      role="Op"
      addLabel="+ Add pool"
      noun="pools"
      list={list}
      query={pools}
      header={
        <>
          <th>Pool</th>
          <th className="num">Slots</th>
          <th className="num">Occupied</th>
          <th className="num">Running</th>
          <th className="num">Queued</th>
          <th className="num">Scheduled</th>
          <th className="num">Deferred</th>
          <th className="num">Open</th>
          <th>Description</th>
        </>
      }
      rowKey={(p) => p.name}
      rowAttributes={(p) => ({ "data-testid": "pool-row", "data-name": p.name })}
      cells={(p) => (
        <>
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
        </>
      )}
      editor={(pool, close) => <PoolForm pool={pool} onClose={close} />}
      remove={remove}
      deleteWhat={(p) => `pool ${p.name}`}
    />
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
