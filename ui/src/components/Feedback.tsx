import type { ReactNode } from "react";

export function Loading({ what }: { what?: string }) {
  return <div className="loading" role="status">Loading{what ? ` ${what}` : ""}…</div>;
}

export function ErrorBox({ error, children }: { error?: unknown; children?: ReactNode }) {
  const message = error instanceof Error ? error.message : error ? String(error) : null;
  return (
    <div className="error-box" role="alert">
      {message}
      {children}
    </div>
  );
}
