// Pieces the admin pages share: a form in a dialog showing the server's error, a delete
// confirmation, a pager and a debounced search box.
import { cloneElement, useEffect, useId, useState, type FormEvent, type ReactElement, type ReactNode } from "react";
import { ADMIN_PAGE } from "../../api/admin";
import { Dialog } from "../../components/Dialog";
import { ErrorBox } from "../../components/Feedback";
import "./admin.css";

export function FormDialog({
  title,
  onClose,
  onSubmit,
  error,
  pending,
  children,
  submitLabel = "Save",
}: {
  title: string;
  onClose: () => void;
  onSubmit: () => void;
  error: unknown;
  pending: boolean;
  children: ReactNode;
  submitLabel?: string;
}) {
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit();
  };
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={submit} className="admin-form" data-testid="admin-form">
        {children}
        {error ? <ErrorBox error={error} /> : null}
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={pending}>
            {pending ? "Saving…" : submitLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** A labelled form control: the label names the control alone (its hint describes it). */
export function Field({ label, children, hint }: { label: string; children: ReactElement<{ id?: string; "aria-describedby"?: string }>; hint?: ReactNode }) {
  const id = useId();
  return (
    <div className="form-row">
      <label className="form-label" htmlFor={id}>
        {label}
      </label>
      {cloneElement(children, { id, "aria-describedby": hint ? `${id}-hint` : undefined })}
      {hint ? (
        <span className="muted form-hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
    </div>
  );
}

export function ConfirmDelete({
  what,
  onClose,
  onConfirm,
  error,
  pending,
}: {
  what: string;
  onClose: () => void;
  onConfirm: () => void;
  error: unknown;
  pending: boolean;
}) {
  return (
    <Dialog title={`Delete ${what}?`} onClose={onClose}>
      <p>
        Delete <b>{what}</b>? This cannot be undone.
      </p>
      {error ? <ErrorBox error={error} /> : null}
      <div className="form-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="danger" disabled={pending} onClick={onConfirm} data-testid="confirm-delete">
          Delete
        </button>
      </div>
    </Dialog>
  );
}

export function Pager({ offset, total, shown, onOffset, noun }: { offset: number; total: number; shown: number; onOffset: (o: number) => void; noun: string }) {
  const counted = `${total} ${total === 1 ? noun.replace(/s$/, "") : noun}`;
  if (total <= ADMIN_PAGE && offset === 0) return <div className="muted admin-total">{counted}</div>;
  return (
    <div className="pager">
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - ADMIN_PAGE))}>
        ‹ Previous
      </button>
      <span>
        {offset + 1}–{offset + shown} of {counted}
      </span>
      <button type="button" disabled={offset + ADMIN_PAGE >= total} onClick={() => onOffset(offset + ADMIN_PAGE)}>
        Next ›
      </button>
    </div>
  );
}

/** A search box that reports its text once the user stops typing. */
export function SearchBox({ label, onSearch }: { label: string; onSearch: (text: string) => void }) {
  const [text, setText] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => onSearch(text.trim()), 300);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  return <input type="search" aria-label={label} placeholder={label} value={text} onChange={(e) => setText(e.target.value)} />;
}

export function ReadOnlyNote({ role }: { role: string }) {
  return <span className="muted read-only-note">Read only: changing these needs the {role} role.</span>;
}
