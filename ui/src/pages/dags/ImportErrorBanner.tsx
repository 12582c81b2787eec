import { useState } from "react";
import { useImportErrors, type ImportError } from "../../api/dagList";
import { formatDate } from "../../components/format";
import { errorLine, errorSummary } from "./traceback";

const shortName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

/** How many DAG files fail to load; opened, each file with its line, error and full traceback. */
export function ImportErrorBanner() {
  const errors = useImportErrors();
  const [open, setOpen] = useState(false);
  const found = errors.data?.import_errors ?? [];
  if (found.length === 0) return null;
  const files = new Set(found.map((e) => e.filename)).size;
  return (
    <section className="import-errors warn-box" data-testid="import-errors" aria-label="Import errors">
      <button
        type="button"
        className="import-errors-toggle"
        aria-expanded={open}
        data-testid="import-errors-toggle"
        onClick={() => setOpen(!open)}
      >
        <span aria-hidden="true">{open ? "▾" : "▸"}</span> ⚠ {files} DAG {files === 1 ? "file fails" : "files fail"} to load
      </button>
      {open && (
        <ul className="import-error-list">
          {found.map((e) => (
            <ImportErrorItem key={e.import_error_id} error={e} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ImportErrorItem({ error }: { error: ImportError }) {
  const [showTrace, setShowTrace] = useState(false);
  const line = errorLine(error.stack_trace, error.filename);
  return (
    <li className="import-error" data-testid="import-error" data-file={shortName(error.filename)}>
      <div className="import-error-head">
        <code className="import-error-file" title={error.filename}>
          {shortName(error.filename)}
          {line !== null && <span data-testid="import-error-line">, line {line}</span>}
        </code>
        <span className="muted">{formatDate(error.timestamp)}</span>
        <button type="button" className="link-button" onClick={() => setShowTrace(!showTrace)} aria-expanded={showTrace}>
          {showTrace ? "Hide traceback" : "Traceback"}
        </button>
      </div>
      <div className="import-error-summary" data-testid="import-error-summary">
        {errorSummary(error.stack_trace)}
      </div>
      <div className="muted import-error-path">{error.filename}</div>
      {showTrace && <pre className="import-error-trace" data-testid="import-error-trace">{error.stack_trace}</pre>}
    </li>
  );
}
