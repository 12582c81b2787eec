import type { UseMutationResult, UseQueryResult } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Role } from "../../auth/session";
import { AdminListPage, useListState, type ListPage } from "./AdminList";

let role: Role = "Op";
vi.mock("../../auth/session", () => ({ useSession: () => ({ can: (need: Role) => need === "Viewer" || role !== "Viewer" }) }));

if (!HTMLDialogElement.prototype.showModal) {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
}

interface Thing {
  name: string;
}

const query = (items: Thing[]) =>
  ({ isPending: false, isError: false, data: { items, total: items.length } }) as unknown as UseQueryResult<ListPage<Thing>>;

function Page({ items, remove, editor = () => null }: { items: Thing[]; remove: UseMutationResult<unknown, Error, Thing>; editor?: (t: Thing | null) => null }) {
  const list = useListState();
  return (
    <AdminListPage
      title="Things"
      pageTestId="things-page"
      testId="things-table"
      role="Op"
      addLabel="+ Add thing"
      searchLabel="Search things"
      noun="things"
      list={list}
      query={query(items)}
      empty="No things yet."
      header={<th>Thing</th>}
      rowKey={(t) => t.name}
      rowAttributes={(t) => ({ "data-testid": "thing-row", "data-name": t.name })}
      cells={(t) => <td>{t.name}</td>}
      editor={editor}
      remove={remove}
      deleteWhat={(t) => `thing ${t.name}`}
    />
  );
}

const mutation = () => ({ mutate: vi.fn(), reset: vi.fn(), error: null, isPending: false }) as unknown as UseMutationResult<unknown, Error, Thing>;

describe("AdminListPage", () => {
  beforeEach(() => {
    role = "Op";
  });

  it("lists the rows with Edit and Delete, opens the editor and confirms a delete", async () => {
    const user = userEvent.setup();
    const remove = mutation();
    const editor = vi.fn((_: Thing | null) => null);
    render(<Page items={[{ name: "a" }, { name: "b" }]} remove={remove} editor={editor} />);
    expect(screen.getByRole("heading", { name: "Things" })).toBeInTheDocument();
    expect(screen.getAllByTestId("thing-row")).toHaveLength(2);
    expect(screen.getByText("2 things")).toBeInTheDocument();
    await user.click(screen.getByTestId("add-button"));
    expect(editor).toHaveBeenLastCalledWith(null, expect.any(Function));
    const b = screen.getByTestId("things-table").querySelector("[data-name='b']") as HTMLElement;
    await user.click(within(b).getByTestId("edit-button"));
    expect(editor).toHaveBeenLastCalledWith({ name: "b" }, expect.any(Function));
    await user.click(within(b).getByTestId("delete-button"));
    expect(screen.getByText("thing b", { selector: "b" })).toBeInTheDocument();
    await user.click(screen.getByTestId("confirm-delete"));
    expect(remove.mutate).toHaveBeenCalledWith({ name: "b" }, expect.anything());
  });

  it("is read only without the role", () => {
    role = "Viewer";
    render(<Page items={[{ name: "a" }]} remove={mutation()} />);
    expect(screen.getByText(/Read only: changing these needs the Op role/)).toBeInTheDocument();
    expect(screen.queryByTestId("add-button")).toBeNull();
    expect(screen.queryByTestId("edit-button")).toBeNull();
    expect(screen.queryByTestId("delete-button")).toBeNull();
  });

  it("says when there is nothing", () => {
    render(<Page items={[]} remove={mutation()} />);
    expect(screen.getByText("No things yet.")).toBeInTheDocument();
    expect(screen.queryByTestId("things-table")).toBeNull();
  });
});
