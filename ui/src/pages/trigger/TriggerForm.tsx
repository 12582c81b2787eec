// The trigger form: one field per Param (grouped by section), the run's logical date, id and
// note, and a raw JSON conf kept in sync with the fields. It validates before sending and shows a
// server refusal next to the field it names.
import { useMemo, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "../../api/client";
import { Markdown } from "../../components/Markdown";
import {
  LOGICAL_DATE,
  RUN_ID,
  confToValues,
  defaultValues,
  extraKeys,
  fieldSpecs,
  localInputToIso,
  parseConf,
  sections,
  serverErrors,
  validate,
  valuesToConf,
  type FieldSpec,
  type FieldValue,
  type FormValues,
  type Params,
} from "./params";
import "./trigger.css";

export interface TriggerBody {
  logical_date: string | null;
  conf: Record<string, unknown>;
  dag_run_id?: string;
  note?: string;
}

export interface TriggerFormProps {
  params: Params | null | undefined;
  /** Sends the run; throws (an ApiError) when the server refuses it. */
  onSubmit: (body: TriggerBody) => Promise<void>;
  onCancel: () => void;
}

type Tab = "fields" | "raw";

export function TriggerForm({ params, onSubmit, onCancel }: TriggerFormProps) {
  const fields = useMemo(() => fieldSpecs(params), [params]);
  const groups = useMemo(() => sections(fields), [fields]);
  const hasFields = groups.length > 0;
  const [tab, setTab] = useState<Tab>(hasFields ? "fields" : "raw");
  const [values, setValues] = useState<FormValues>(() => defaultValues(fields));
  const [extra, setExtra] = useState<Record<string, unknown>>({});
  const [rawText, setRawText] = useState(() => JSON.stringify(valuesToConf(fields, defaultValues(fields)), null, 2));
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [attempted, setAttempted] = useState(false);
  const [server, setServer] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [logicalDate, setLogicalDate] = useState("");
  const [runId, setRunId] = useState("");
  const [note, setNote] = useState("");
  const [submitting, setSubmitting] = useState(false);
  const [optionsOpen, setOptionsOpen] = useState(false);

  const errors = useMemo(() => validate(fields, values), [fields, values]);
  const raw = useMemo(() => parseConf(rawText), [rawText]);
  const rawError = "error" in raw ? raw.error : null;

  const fieldError = (name: string): string | null =>
    server[name] ?? ((touched[name] || attempted) && errors[name] ? errors[name] : null);

  function setValue(name: string, value: FieldValue) {
    const next = { ...values, [name]: value };
    setValues(next);
    setTouched((t) => ({ ...t, [name]: true }));
    setServer(({ [name]: _gone, ...rest }) => rest);
    setRawText(JSON.stringify(valuesToConf(fields, next, extra), null, 2));
  }

  function editRaw(text: string) {
    setRawText(text);
    const parsed = parseConf(text);
    if ("conf" in parsed) {
      setValues(confToValues(fields, parsed.conf));
      setExtra(extraKeys(fields, parsed.conf));
      setServer({});
    }
  }

  function switchTab(next: Tab) {
    if (next === "raw") setRawText(JSON.stringify(valuesToConf(fields, values, extra), null, 2));
    setTab(next);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setAttempted(true);
    setFormError(null);
    setServer({});
    let conf: Record<string, unknown>;
    if (tab === "raw") {
      // The raw conf goes as written: the server checks it against the params.
      if ("error" in raw) return;
      conf = raw.conf;
    } else {
      if (Object.keys(errors).length) return;
      conf = valuesToConf(fields, values, extra);
    }
    const body: TriggerBody = { logical_date: logicalDate ? localInputToIso(logicalDate) : null, conf };
    if (runId.trim()) body.dag_run_id = runId.trim();
    if (note.trim()) body.note = note;
    setSubmitting(true);
    try {
      await onSubmit(body);
    } catch (err) {
      const refusal =
        err instanceof ApiError
          ? serverErrors(err.status, err.detail, fields.map((f) => f.name))
          : [{ field: null, message: err instanceof Error ? err.message : String(err) }];
      const byField: Record<string, string> = {};
      const general: string[] = [];
      for (const item of refusal) {
        if (item.field) byField[item.field] = item.message;
        else general.push(item.message);
      }
      setServer(byField);
      setFormError(general.length ? general.join("\n") : null);
      if (fields.some((f) => f.name in byField)) setTab("fields");
      if (LOGICAL_DATE in byField || RUN_ID in byField) setOptionsOpen(true);
    } finally {
      setSubmitting(false);
    }
  }

  // Field errors do not disable the button: pressing it shows them all.
  const blocked = submitting || (tab === "raw" && rawError !== null);

  return (
    <form className="trigger-form" onSubmit={submit} noValidate data-testid="trigger-form">
      {formError && (
        <div className="error-box" role="alert" data-testid="trigger-error">
          {formError}
        </div>
      )}
      <div className="trigger-tabs" role="tablist">
        {hasFields && (
          <button type="button" role="tab" aria-selected={tab === "fields"} data-testid="tab-fields" onClick={() => switchTab("fields")}>
            Parameters
          </button>
        )}
        <button type="button" role="tab" aria-selected={tab === "raw"} data-testid="tab-raw" onClick={() => switchTab("raw")}>
          Raw JSON conf
        </button>
      </div>

      {tab === "fields" ? (
        <div role="tabpanel" aria-label="Parameters">
          {groups.map((group) => (
            <details key={group.title ?? ""} className="param-section" open>
              <summary>{group.title ?? "Parameters"}</summary>
              {group.fields.map((field) => (
                <Field
                  key={field.name}
                  field={field}
                  value={values[field.name]}
                  error={fieldError(field.name)}
                  onChange={(v) => setValue(field.name, v)}
                  onBlur={() => setTouched((t) => ({ ...t, [field.name]: true }))}
                />
              ))}
            </details>
          ))}
          {Object.keys(extra).length > 0 && (
            <p className="muted">Also in the conf, not params: {Object.keys(extra).join(", ")} (see Raw JSON conf).</p>
          )}
        </div>
      ) : (
        <div role="tabpanel" aria-label="Raw JSON conf" className="form-row">
          <label htmlFor="trigger-raw-conf">Conf (a JSON object)</label>
          <textarea
            id="trigger-raw-conf"
            data-testid="raw-conf"
            rows={Math.min(18, Math.max(6, rawText.split("\n").length + 1))}
            value={rawText}
            spellCheck={false}
            aria-invalid={rawError ? true : undefined}
            onChange={(e) => editRaw(e.target.value)}
          />
          {rawError && <div className="field-error">{rawError}</div>}
          {hasFields && <div className="muted">The server checks these values against the DAG's params when you trigger.</div>}
        </div>
      )}

      <details className="param-section" open={optionsOpen} onToggle={(e) => setOptionsOpen(e.currentTarget.open)}>
        <summary>Run options</summary>
        <FieldRow id="trigger-logical-date" label="Logical date (UTC)" error={server[LOGICAL_DATE] ?? null} hint="Empty: now.">
          <input
            id="trigger-logical-date"
            type="datetime-local"
            step={1}
            data-testid="logical-date"
            value={logicalDate}
            aria-invalid={server[LOGICAL_DATE] ? true : undefined}
            onChange={(e) => {
              setLogicalDate(e.target.value);
              setServer(({ [LOGICAL_DATE]: _gone, ...rest }) => rest);
            }}
          />
        </FieldRow>
        <FieldRow id="trigger-run-id" label="Run id" error={server[RUN_ID] ?? null} hint="Empty: made from the date.">
          <input
            id="trigger-run-id"
            data-testid="run-id"
            value={runId}
            aria-invalid={server[RUN_ID] ? true : undefined}
            onChange={(e) => {
              setRunId(e.target.value);
              setServer(({ [RUN_ID]: _gone, ...rest }) => rest);
            }}
          />
        </FieldRow>
        <FieldRow id="trigger-note" label="Note" error={null}>
          <textarea id="trigger-note" rows={2} value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} />
        </FieldRow>
      </details>

      <div className="form-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={blocked} data-testid="trigger-submit">
          {submitting ? "Triggering…" : "▶ Trigger"}
        </button>
      </div>
    </form>
  );
}

function FieldRow({ id, label, error, hint, children, description }: {
  id: string;
  label: ReactNode;
  error: string | null;
  hint?: string;
  children: ReactNode;
  description?: ReactNode;
}) {
  return (
    <div className="form-row param-field">
      <label htmlFor={id}>{label}</label>
      {children}
      {error && (
        <div className="field-error" role="alert" id={`${id}-error`} data-testid={`${id}-error`}>
          {error}
        </div>
      )}
      {description}
      {hint && <div className="muted small">{hint}</div>}
    </div>
  );
}

function Field({ field, value, error, onChange, onBlur }: {
  field: FieldSpec;
  value: FieldValue | undefined;
  error: string | null;
  onChange: (value: FieldValue) => void;
  onBlur: () => void;
}) {
  const id = `param-${field.name}`;
  const text = typeof value === "string" ? value : "";
  const common = {
    id,
    name: field.name,
    "data-testid": id,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": error ? `${id}-error` : undefined,
    onBlur,
  } as const;
  const s = field.schema;
  let input: ReactNode;
  switch (field.kind) {
    case "boolean":
      input = (
        <label className="param-check">
          <input {...common} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <span>{value === true ? "true" : "false"}</span>
        </label>
      );
      break;
    case "enum": {
      const known = field.options.some((o) => o.key === text);
      input = (
        <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
          {!known && <option value={text}>{describe(text)} (not allowed)</option>}
          {field.options.map((o) => (
            <option key={o.key} value={o.key}>
              {o.label}
            </option>
          ))}
        </select>
      );
      break;
    }
    case "integer":
    case "number":
      input = (
        <input
          {...common}
          type="number"
          inputMode={field.kind === "integer" ? "numeric" : "decimal"}
          step={field.kind === "integer" ? 1 : "any"}
          min={typeof s.minimum === "number" ? s.minimum : undefined}
          max={typeof s.maximum === "number" ? s.maximum : undefined}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    case "date":
      input = <input {...common} type="date" value={text} onChange={(e) => onChange(e.target.value)} />;
      break;
    case "datetime":
      input = <input {...common} type="datetime-local" step={1} value={text} onChange={(e) => onChange(e.target.value)} />;
      break;
    case "time":
      input = <input {...common} type="time" step={1} value={text} onChange={(e) => onChange(e.target.value)} />;
      break;
    case "multiline":
    case "list":
    case "json":
      input = (
        <textarea
          {...common}
          rows={Math.min(12, Math.max(3, text.split("\n").length + 1))}
          spellCheck={false}
          className={field.kind === "json" ? "mono" : undefined}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    default: {
      const listId = field.examples.length ? `${id}-examples` : undefined;
      input = (
        <>
          <input
            {...common}
            type="text"
            list={listId}
            minLength={typeof s.minLength === "number" ? s.minLength : undefined}
            maxLength={typeof s.maxLength === "number" ? s.maxLength : undefined}
            value={text}
            onChange={(e) => onChange(e.target.value)}
          />
          {listId && (
            <datalist id={listId}>
              {field.examples.map((example) => (
                <option key={String(example)} value={String(example)} />
              ))}
            </datalist>
          )}
        </>
      );
    }
  }
  const hint =
    field.kind === "list"
      ? "One value a line."
      : field.kind === "json"
        ? "JSON."
        : field.kind === "datetime"
          ? "UTC."
          : undefined;
  const description = field.descriptionMd ? (
    <Markdown text={field.descriptionMd} className="param-description" />
  ) : field.description ? (
    <div className="param-description muted">{field.description}</div>
  ) : null;
  return (
    <FieldRow
      id={id}
      label={
        <>
          {field.label}
          {field.label !== field.name && <code className="muted param-name">{field.name}</code>}
        </>
      }
      error={error}
      hint={hint}
      description={description}
    >
      {input}
    </FieldRow>
  );
}

function describe(key: string): string {
  try {
    const value: unknown = JSON.parse(key);
    return typeof value === "string" ? value : JSON.stringify(value);
  } catch {
    return key;
  }
}
