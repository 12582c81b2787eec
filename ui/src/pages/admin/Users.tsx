import { useState } from "react";
import { api } from "../../api/client";
import { paths, useChange, useRoles, useUsers, type User } from "../../api/admin";
import { useSession } from "../../auth/session";
import { ErrorBox, Loading } from "../../components/Feedback";
import { formatDate } from "../../components/format";
import { ConfirmDelete, Field, FormDialog, Pager } from "./shared";

const ROLE_ORDER = ["Viewer", "User", "Op", "Admin"];

/** Users and their role: Admin only (create with a role, change the role, reset a password, delete). */
export default function Users() {
  const { can } = useSession();
  if (!can("Admin")) {
    return (
      <div className="admin-page">
        <h1>Users</h1>
        <ErrorBox error="Only Admins manage users." />
      </div>
    );
  }
  return <UserAdmin />;
}

function UserAdmin() {
  const { session } = useSession();
  const [offset, setOffset] = useState(0);
  const users = useUsers(offset);
  const roles = useRoles();
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<User | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const changeRole = useChange("users", ({ username, role }: { username: string; role: string }) =>
    api.patch(paths.user(username), { roles: [{ name: role }] }, { update_mask: ["roles"] }),
  );
  const remove = useChange("users", (username: string) => api.delete(paths.user(username)));
  const roleNames = roles.data?.roles.map((r) => r.name) ?? ROLE_ORDER;
  return (
    <div className="admin-page" data-testid="users-page">
      <header className="page-header">
        <h1>Users</h1>
        <span className="spacer" />
        <button type="button" className="primary" data-testid="add-button" onClick={() => setCreating(true)}>
          + Add user
        </button>
      </header>
      {changeRole.isError && <ErrorBox error={changeRole.error} />}
      {users.isPending ? (
        <Loading what="users" />
      ) : users.isError ? (
        <ErrorBox error={users.error} />
      ) : (
        <>
          <table className="table" data-testid="users-table">
            <thead>
              <tr>
                <th>Username</th>
                <th>Name</th>
                <th>Email</th>
                <th>Role</th>
                <th>Active</th>
                <th>Last login</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((u) => (
                <tr key={u.username} data-testid="user-row" data-username={u.username}>
                  <td>
                    <b>{u.username}</b>
                    {u.username === session?.username && <span className="muted"> (you)</span>}
                  </td>
                  <td>{`${u.first_name} ${u.last_name}`.trim()}</td>
                  <td>{u.email}</td>
                  <td>
                    <select
                      aria-label={`Role of ${u.username}`}
                      value={u.roles[0]?.name ?? ""}
                      disabled={changeRole.isPending}
                      onChange={(e) => changeRole.mutate({ username: u.username, role: e.target.value })}
                    >
                      {roleNames.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{u.active ? "yes" : "no"}</td>
                  <td className="muted">{formatDate(u.last_login)}</td>
                  <td className="row-actions">
                    <button type="button" onClick={() => setResetting(u)}>
                      Reset password
                    </button>
                    <button type="button" data-testid="delete-button" onClick={() => setDeleting(u)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager offset={offset} total={users.data.total} shown={users.data.items.length} onOffset={setOffset} noun="users" />
        </>
      )}
      {creating && <UserForm roles={roleNames} onClose={() => setCreating(false)} />}
      {resetting && <ResetPassword user={resetting} onClose={() => setResetting(null)} />}
      {deleting && (
        <ConfirmDelete
          what={`user ${deleting.username}`}
          error={remove.error}
          pending={remove.isPending}
          onClose={() => {
            remove.reset();
            setDeleting(null);
          }}
          onConfirm={() => remove.mutate(deleting.username, { onSuccess: () => setDeleting(null) })}
        />
      )}
    </div>
  );
}

function UserForm({ roles, onClose }: { roles: string[]; onClose: () => void }) {
  const [form, setForm] = useState({ username: "", first_name: "", last_name: "", email: "", password: "", role: "Viewer" });
  const set = (name: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value });
  const save = useChange("users", () =>
    api.post("/auth/fab/v1/users", {
      username: form.username,
      first_name: form.first_name,
      last_name: form.last_name,
      email: form.email,
      password: form.password,
      roles: [{ name: form.role }],
    }),
  );
  return (
    <FormDialog title="Add a user" onClose={onClose} onSubmit={() => save.mutate(undefined, { onSuccess: onClose })} error={save.error} pending={save.isPending}>
      <Field label="Username">
        <input name="username" value={form.username} required autoComplete="off" onChange={set("username")} />
      </Field>
      <div className="two">
        <Field label="First name">
          <input name="first_name" value={form.first_name} onChange={set("first_name")} />
        </Field>
        <Field label="Last name">
          <input name="last_name" value={form.last_name} onChange={set("last_name")} />
        </Field>
      </div>
      <Field label="Email">
        <input name="email" type="email" value={form.email} onChange={set("email")} />
      </Field>
      <Field label="Role">
        <select name="role" value={form.role} onChange={set("role")}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Password">
        <input name="password" type="password" autoComplete="new-password" value={form.password} required onChange={set("password")} />
      </Field>
    </FormDialog>
  );
}

function ResetPassword({ user, onClose }: { user: User; onClose: () => void }) {
  const [password, setPassword] = useState("");
  const save = useChange("users", () => api.patch(paths.user(user.username), { password }, { update_mask: ["password"] }));
  return (
    <FormDialog
      title={`New password for ${user.username}`}
      onClose={onClose}
      onSubmit={() => save.mutate(undefined, { onSuccess: onClose })}
      error={save.error}
      pending={save.isPending}
      submitLabel="Set password"
    >
      <Field label="New password">
        <input name="password" type="password" autoComplete="new-password" value={password} required onChange={(e) => setPassword(e.target.value)} />
      </Field>
    </FormDialog>
  );
}
