import { useState } from "react";
import { api } from "../../api/client";
import { paths, useChange, useRoles, useUsers, type User } from "../../api/admin";
import { useSession } from "../../auth/session";
import { ErrorBox } from "../../components/Feedback";
import { formatDate } from "../../components/format";
import { AdminListPage, useListState } from "./AdminList";
import { Field, FormDialog } from "./shared";

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
  const list = useListState();
  const users = useUsers(list.offset);
  const roles = useRoles();
  const changeRole = useChange("users", ({ username, role }: { username: string; role: string }) =>
    api.patch(paths.user(username), { roles: [{ name: role }] }, { update_mask: ["roles"] }),
  );
  const remove = useChange("users", (u: User) => api.delete(paths.user(u.username)));
  const roleNames = roles.data?.roles.map((r) => r.name) ?? ROLE_ORDER;
  return (
    <AdminListPage
      title="Users"
      pageTestId="users-page"
      testId="users-table"
      role="Admin"
      addLabel="+ Add user"
      noun="users"
      list={list}
      query={users}
      notice={changeRole.isError && <ErrorBox error={changeRole.error} />}
      header={
        <>
          <th>Username</th>
          <th>Name</th>
          <th>Email</th>
          <th>Role</th>
          <th>Active</th>
          <th>Last login</th>
        </>
      }
      rowKey={(u) => u.username}
      rowAttributes={(u) => ({ "data-testid": "user-row", "data-username": u.username })}
      cells={(u) => (
        <>
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
              <RoleOptions roles={roleNames} />
            </select>
          </td>
          <td>{u.active ? "yes" : "no"}</td>
          <td className="muted">{formatDate(u.last_login)}</td>
        </>
      )}
      // Add asks for a new user; a row's button only sets a new password (its role changes in the row).
      editor={(user, close) => (user ? <ResetPassword user={user} onClose={close} /> : <UserForm roles={roleNames} onClose={close} />)}
      editButton={(edit) => (
        <button type="button" onClick={edit}>
          Reset password
        </button>
      )}
      remove={remove}
      deleteWhat={(u) => `user ${u.username}`}
    />
  );
}

function RoleOptions({ roles }: { roles: string[] }) {
  return roles.map((r) => (
    <option key={r} value={r}>
      {r}
    </option>
  ));
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
          <RoleOptions roles={roles} />
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
