// The scaffolding of the admin pages: a paged table with its loading, error and empty states
// (Listing), and the page around it that adds, edits and deletes (AdminListPage). A page keeps
// what is its own: its query, its columns, its form and its API calls.
import { useState, type Key, type ReactNode } from "react";
import type { UseMutationResult, UseQueryResult } from "@tanstack/react-query";
import { useSession, type Role } from "../../auth/session";
import { ErrorBox, Loading } from "../../components/Feedback";
import { ConfirmDelete, Pager, ReadOnlyNote, SearchBox } from "./shared";

/** One page of a listing, as the admin hooks return it. */
export interface ListPage<T> {
  items: T[];
  total: number;
}

/** Attributes put on a row: its test id and the data-* attributes tests find it by. */
export type RowAttributes = Record<`data-${string}`, string>;

export interface TableProps<T> {
  /** data-testid of the table. */
  testId: string;
  /** The header cells (<th>), without the one over the row actions. */
  header: ReactNode;
  /** A row's cells (<td>), without its actions. */
  cells: (item: T) => ReactNode;
  rowKey: (item: T) => Key;
  rowAttributes?: (item: T) => RowAttributes;
  /** Plural, for the pager's count ("pools", "1 pool"). */
  noun: string;
}

/** A paged table: "Loading …", the error, `empty` when there is nothing (the empty table when
 * `empty` is not given), else the table and its pager. Rows end with `actions` when given. */
export function Listing<T>({
  query,
  loading,
  empty,
  offset,
  onOffset,
  actions,
  testId,
  header,
  cells,
  rowKey,
  rowAttributes,
  noun,
}: TableProps<T> & {
  query: UseQueryResult<ListPage<T>>;
  /** What is loading ("pools" gives "Loading pools…"). */
  loading: string;
  empty?: ReactNode;
  offset: number;
  onOffset: (offset: number) => void;
  actions?: (item: T) => ReactNode;
}) {
  if (query.isPending) return <Loading what={loading} />;
  if (query.isError) return <ErrorBox error={query.error} />;
  if (empty !== undefined && query.data.total === 0) return <div className="empty">{empty}</div>;
  return (
    <>
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            {header}
            {actions && <th />}
          </tr>
        </thead>
        <tbody>
          {query.data.items.map((item) => (
            <tr key={rowKey(item)} {...rowAttributes?.(item)}>
              {cells(item)}
              {actions && <td className="row-actions">{actions(item)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      <Pager offset={offset} total={query.data.total} shown={query.data.items.length} onOffset={onOffset} noun={noun} />
    </>
  );
}

/** The search text and page offset of a listing: a new search goes back to the first page. */
export function useListState() {
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  return {
    search,
    offset,
    setOffset,
    setSearch: (text: string) => {
      setSearch(text);
      setOffset(0);
    },
  };
}

export type ListState = ReturnType<typeof useListState>;

/** An admin page: its title, a search box when `searchLabel` is given, "+ Add …" for those with
 * `role` (a note that the page is read only for the others), the listing whose rows then end
 * with Edit and Delete, the add/edit form (`editor`, given null to add) and the delete
 * confirmation. */
export function AdminListPage<T>({
  title,
  pageTestId,
  role,
  addLabel,
  searchLabel,
  list,
  query,
  empty,
  notice,
  editor,
  editButton = (edit) => (
    <button type="button" data-testid="edit-button" onClick={edit}>
      Edit
    </button>
  ),
  remove,
  deleteWhat,
  ...table
}: TableProps<T> & {
  title: string;
  pageTestId: string;
  /** The role that may add, edit and delete. */
  role: Role;
  addLabel: string;
  searchLabel?: string;
  list: ListState;
  query: UseQueryResult<ListPage<T>>;
  empty?: ReactNode;
  /** Shown between the header and the listing (e.g. the error of a change made in a row). */
  notice?: ReactNode;
  editor: (item: T | null, close: () => void) => ReactNode;
  /** The button that opens `editor` on a row (Edit unless given), before Delete. */
  editButton?: (edit: () => void, item: T) => ReactNode;
  remove: UseMutationResult<unknown, Error, T>;
  /** Named in the delete confirmation, e.g. "pool default_pool". */
  deleteWhat: (item: T) => string;
}) {
  const { can } = useSession();
  const mayEdit = can(role);
  const [editing, setEditing] = useState<T | "new" | null>(null);
  const [deleting, setDeleting] = useState<T | null>(null);
  return (
    <div className="admin-page" data-testid={pageTestId}>
      <header className="page-header">
        <h1>{title}</h1>
        {searchLabel !== undefined && <SearchBox label={searchLabel} onSearch={list.setSearch} />}
        <span className="spacer" />
        {mayEdit ? (
          <button type="button" className="primary" data-testid="add-button" onClick={() => setEditing("new")}>
            {addLabel}
          </button>
        ) : (
          <ReadOnlyNote role={role} />
        )}
      </header>
      {notice}
      <Listing
        {...table}
        query={query}
        loading={table.noun}
        empty={empty}
        offset={list.offset}
        onOffset={list.setOffset}
        actions={
          mayEdit
            ? (item) => (
                <>
                  {editButton(() => setEditing(item), item)}
                  <button type="button" data-testid="delete-button" onClick={() => setDeleting(item)}>
                    Delete
                  </button>
                </>
              )
            : undefined
        }
      />
      {editing !== null && editor(editing === "new" ? null : editing, () => setEditing(null))}
      {deleting !== null && (
        <ConfirmDelete
          what={deleteWhat(deleting)}
          error={remove.error}
          pending={remove.isPending}
          onClose={() => {
            remove.reset();
            setDeleting(null);
          }}
          onConfirm={() => remove.mutate(deleting, { onSuccess: () => setDeleting(null) })}
        />
      )}
    </div>
  );
}
