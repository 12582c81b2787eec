// The trigger form's logic, free of React: a DAG's Params (as GET /api/v2/dags/{dag_id}/details
// answers them: {value, schema, description}) -> field specs; the fields' input values <-> the
// run's conf; validation by type, enum, format and bounds; a server refusal -> the field it names.

export interface ParamSpec {
  value: unknown;
  schema?: Record<string, unknown> | null;
  description?: string | null;
  source?: string | null;
}
export type Params = Record<string, ParamSpec>;

export type FieldKind =
  | "string"
  | "multiline"
  | "number"
  | "integer"
  | "boolean"
  | "enum"
  | "date"
  | "datetime"
  | "time"
  | "list"
  | "json"
  | "const";

export interface EnumOption {
  /** The option's key in the <select>: the value as JSON. */
  key: string;
  value: unknown;
  label: string;
}

export interface FieldSpec {
  name: string;
  label: string;
  kind: FieldKind;
  /** Plain description (Param(description=...)) or null. */
  description: string | null;
  /** Markdown description (schema description_md), rendered instead of the plain one. */
  descriptionMd: string | null;
  section: string | null;
  default: unknown;
  /** null is an accepted value (no type given, or "null" among the types). */
  nullable: boolean;
  options: EnumOption[];
  /** Item type of a list field (one item a line). */
  itemType: "string" | "number" | "integer";
  examples: unknown[];
  schema: Record<string, unknown>;
}

/** What an input holds: text for most, a boolean for a checkbox. */
export type FieldValue = string | boolean;
export type FormValues = Record<string, FieldValue>;

const SCALAR_ITEMS = new Set(["string", "number", "integer"]);

function typesOf(schema: Record<string, unknown>): string[] {
  const t = schema.type;
  if (typeof t === "string") return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === "string");
  return [];
}

function inferredType(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number") return "number";
  if (typeof value === "string") return "string";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return "object";
  return null;
}

function optionLabel(value: unknown, display: unknown): string {
  if (display && typeof display === "object") {
    const label = (display as Record<string, unknown>)[String(value)];
    if (typeof label === "string") return label;
  }
  return value === null ? "(none)" : typeof value === "string" ? value : JSON.stringify(value);
}

/** One field per param, in the DAG's order. */
export function fieldSpecs(params: Params | null | undefined): FieldSpec[] {
  return Object.entries(params ?? {}).map(([name, param]) => fieldSpec(name, param));
}

export function fieldSpec(name: string, param: ParamSpec): FieldSpec {
  const schema = (param.schema ?? {}) as Record<string, unknown>;
  const declared = typesOf(schema);
  const nonNull = declared.filter((t) => t !== "null");
  const type = nonNull[0] ?? (declared.length ? null : inferredType(param.value));
  const nullable = declared.length === 0 || declared.includes("null");
  const format = typeof schema.format === "string" ? schema.format : null;
  const items = (schema.items ?? {}) as Record<string, unknown>;
  const itemTypes = typesOf(items).filter((t) => t !== "null");
  const defaultItems = Array.isArray(param.value) ? param.value : [];
  let itemType: FieldSpec["itemType"] = "string";
  let kind: FieldKind;
  if (schema.const !== undefined) kind = "const";
  else if (Array.isArray(schema.enum)) kind = "enum";
  else if (type === "boolean") kind = "boolean";
  else if (type === "integer") kind = "integer";
  else if (type === "number") kind = "number";
  else if (type === "array") {
    const scalarItems = itemTypes.length
      ? itemTypes.every((t) => SCALAR_ITEMS.has(t))
      : defaultItems.every((v) => typeof v === "string" || typeof v === "number");
    kind = scalarItems && !items.enum ? "list" : "json";
    const first = itemTypes[0] ?? (defaultItems.length && defaultItems.every((v) => typeof v === "number") ? "number" : "string");
    if (first === "integer" || first === "number") itemType = first;
  } else if (type === "object") kind = "json";
  else if (format === "date") kind = "date";
  else if (format === "date-time") kind = "datetime";
  else if (format === "time") kind = "time";
  else if (format === "multiline") kind = "multiline";
  else kind = "string";
  const display = schema.values_display;
  const options: EnumOption[] = Array.isArray(schema.enum)
    ? schema.enum.map((v) => ({ key: JSON.stringify(v), value: v, label: optionLabel(v, display) }))
    : [];
  return {
    name,
    label: typeof schema.title === "string" && schema.title ? schema.title : name,
    kind,
    description: param.description ?? (typeof schema.description === "string" ? schema.description : null),
    descriptionMd: typeof schema.description_md === "string" ? schema.description_md : null,
    section: typeof schema.section === "string" && schema.section ? schema.section : null,
    default: param.value,
    nullable,
    options,
    itemType,
    examples: Array.isArray(schema.examples) ? schema.examples : [],
    schema,
  };
}

/** Fields by section, in order of first appearance; the fields without a section come first (title null). */
export function sections(fields: FieldSpec[]): { title: string | null; fields: FieldSpec[] }[] {
  const groups = new Map<string | null, FieldSpec[]>([[null, []]]);
  for (const field of fields) {
    if (field.kind === "const") continue;
    const list = groups.get(field.section) ?? [];
    list.push(field);
    groups.set(field.section, list);
  }
  return [...groups.entries()].filter(([, list]) => list.length).map(([title, list]) => ({ title, fields: list }));
}

// ---- values <-> conf ----

const pad = (n: number) => String(n).padStart(2, "0");

/** An ISO date-time as the value of an <input type="datetime-local">, in UTC ("" if unreadable). */
export function isoToLocalInput(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const seconds = date.getUTCSeconds() ? `:${pad(date.getUTCSeconds())}` : "";
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}${seconds}`
  );
}

/** A datetime-local input's value, read as UTC, as an ISO date-time with its offset. */
export function localInputToIso(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?$/.exec(value);
  if (!m) return value;
  return `${m[1]}T${m[2]}${m[3] ?? ":00"}+00:00`;
}

/** What a field's input shows for a conf value. */
export function toInput(field: FieldSpec, value: unknown): FieldValue {
  if (field.kind === "boolean") return value === true;
  if (value === null || value === undefined) return field.kind === "enum" ? JSON.stringify(null) : "";
  switch (field.kind) {
    case "enum":
      return JSON.stringify(value);
    case "datetime":
      return typeof value === "string" ? isoToLocalInput(value) || value : JSON.stringify(value);
    case "list":
      return Array.isArray(value) ? value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("\n") : JSON.stringify(value);
    case "json":
      return JSON.stringify(value, null, 2);
    default:
      return typeof value === "string" ? value : JSON.stringify(value);
  }
}

/** The conf value of a field's input. Text that does not read as the field's type stays text, so
 * validation (and the server) can say what is wrong with it. */
export function fromInput(field: FieldSpec, input: FieldValue | undefined): unknown {
  if (field.kind === "const") return field.schema.const;
  if (field.kind === "boolean") return input === true;
  const text = typeof input === "string" ? input : "";
  if (field.kind === "enum") {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (text.trim() === "" && field.kind !== "multiline" && field.kind !== "string") return null;
  // An empty text field: null where null is allowed and the default is not text, else "".
  if (text === "" && field.nullable && typeof field.default !== "string") return null;
  switch (field.kind) {
    case "integer":
    case "number": {
      const n = Number(text.trim());
      return Number.isFinite(n) ? n : text;
    }
    case "datetime":
      return localInputToIso(text);
    case "list":
      return text
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "")
        .map((line) => {
          if (field.itemType === "string") return line;
          const n = Number(line);
          return Number.isFinite(n) ? n : line;
        });
    case "json":
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    default:
      return text;
  }
}

/** The inputs of every field from a conf (a param missing from it gets its default). */
export function confToValues(fields: FieldSpec[], conf: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const field of fields) values[field.name] = toInput(field, field.name in conf ? conf[field.name] : field.default);
  return values;
}

export const defaultValues = (fields: FieldSpec[]): FormValues => confToValues(fields, {});

/** The conf the fields make, with the keys of `extra` (conf keys that are not params) kept. */
export function valuesToConf(fields: FieldSpec[], values: FormValues, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...extra };
  for (const field of fields) conf[field.name] = fromInput(field, values[field.name]);
  return conf;
}

/** The conf keys that no param names. */
export function extraKeys(fields: FieldSpec[], conf: Record<string, unknown>): Record<string, unknown> {
  const names = new Set(fields.map((f) => f.name));
  return Object.fromEntries(Object.entries(conf).filter(([key]) => !names.has(key)));
}

/** Raw JSON conf text -> an object, or the reason it is not one. */
export function parseConf(text: string): { conf: Record<string, unknown> } | { error: string } {
  if (text.trim() === "") return { conf: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return { error: "The conf must be a JSON object: {...}" };
    return { conf: value as Record<string, unknown> };
  } catch (err) {
    return { error: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

// ---- validation ----

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
const TIME_RE = /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/i;

function isDate(text: string): boolean {
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

const jsonType = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value === "number" && Number.isInteger(value) ? "integer" : typeof value;

function matchesType(value: unknown, type: string): boolean {
  const actual = jsonType(value);
  if (type === "number") return actual === "number" || actual === "integer";
  return actual === type;
}

const show = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** What is wrong with a value for the field's schema (JSON Schema's usual keywords), or null. */
export function validateValue(field: FieldSpec, value: unknown): string | null {
  const s = field.schema;
  if (field.kind === "json" && typeof value === "string" && typesOf(s).some((t) => t === "object" || t === "array"))
    return "Not valid JSON";
  if (value === null) {
    if (field.nullable) return null;
    return "A value is needed";
  }
  const types = typesOf(s);
  if (types.length && !types.some((t) => matchesType(value, t))) {
    if (types.includes("integer")) return "Must be a whole number";
    if (types.includes("number")) return "Must be a number";
    return `Must be of type ${types.filter((t) => t !== "null").join(" or ")}`;
  }
  if (Array.isArray(s.enum) && !s.enum.some((option) => JSON.stringify(option) === JSON.stringify(value)))
    return `Must be one of: ${s.enum.map(show).join(", ")}`;
  if (s.const !== undefined && JSON.stringify(s.const) !== JSON.stringify(value)) return `Must be ${show(s.const)}`;
  if (typeof value === "string") {
    if (s.format === "date" && !isDate(value)) return "Must be a date (YYYY-MM-DD)";
    if (s.format === "date-time" && (!DATETIME_RE.test(value) || Number.isNaN(Date.parse(value))))
      return "Must be a date and time";
    if (s.format === "time" && !TIME_RE.test(value)) return "Must be a time (HH:MM)";
    if (typeof s.minLength === "number" && value.length < s.minLength) return `At least ${s.minLength} characters`;
    if (typeof s.maxLength === "number" && value.length > s.maxLength) return `At most ${s.maxLength} characters`;
    if (typeof s.pattern === "string") {
      try {
        if (!new RegExp(s.pattern, "u").test(value)) return `Must match ${s.pattern}`;
      } catch {
        /* a pattern JavaScript cannot read: the server checks it */
      }
    }
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) return `At least ${s.minimum}`;
    if (typeof s.maximum === "number" && value > s.maximum) return `At most ${s.maximum}`;
    if (typeof s.exclusiveMinimum === "number" && value <= s.exclusiveMinimum) return `More than ${s.exclusiveMinimum}`;
    if (typeof s.exclusiveMaximum === "number" && value >= s.exclusiveMaximum) return `Less than ${s.exclusiveMaximum}`;
    if (typeof s.multipleOf === "number" && s.multipleOf > 0 && Math.abs(value / s.multipleOf - Math.round(value / s.multipleOf)) > 1e-9)
      return `Must be a multiple of ${s.multipleOf}`;
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems) return `At least ${s.minItems} items`;
    if (typeof s.maxItems === "number" && value.length > s.maxItems) return `At most ${s.maxItems} items`;
    const items = (s.items ?? {}) as Record<string, unknown>;
    const itemTypes = typesOf(items);
    if (itemTypes.length) {
      const bad = value.find((item) => !itemTypes.some((t) => matchesType(item, t)));
      if (bad !== undefined) return `Item ${show(bad)} is not of type ${itemTypes.join(" or ")}`;
    }
  }
  return null;
}

/** Errors by field name for the values of the form (empty: all good). */
export function validate(fields: FieldSpec[], values: FormValues): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const field of fields) {
    if (field.kind === "const") continue;
    const raw = values[field.name];
    const value = fromInput(field, raw);
    // A typed field whose text did not read as its type.
    if ((field.kind === "integer" || field.kind === "number") && typeof value === "string") {
      errors[field.name] = field.kind === "integer" ? "Must be a whole number" : "Must be a number";
      continue;
    }
    if (field.kind === "json" && typeof value === "string" && typeof raw === "string" && raw.trim() !== "") {
      errors[field.name] = "Not valid JSON";
      continue;
    }
    const error = validateValue(field, value);
    if (error) errors[field.name] = error;
  }
  return errors;
}

// ---- server refusals ----

/** Form-level names of the inputs that are not params. */
export const LOGICAL_DATE = "__logical_date";
export const RUN_ID = "__run_id";

export interface ServerError {
  /** Field name (a param, LOGICAL_DATE or RUN_ID) and its message; null: for the whole form. */
  field: string | null;
  message: string;
}

/** A refusal of the trigger (400 "Invalid value ... for param 'mode': ...", 422 [{loc, msg}],
 * 409 run exists) mapped to the field it names, when it names one the form has. */
export function serverErrors(status: number, detail: unknown, fieldNames: string[]): ServerError[] {
  const known = new Set(fieldNames);
  if (Array.isArray(detail)) {
    return detail.map((item: { loc?: unknown[]; msg?: string }) => {
      const loc = (item.loc ?? []).map(String);
      const message = item.msg ?? JSON.stringify(item);
      if (loc[1] === "logical_date") return { field: LOGICAL_DATE, message };
      if (loc[1] === "dag_run_id") return { field: RUN_ID, message };
      if (loc[1] === "conf" && loc[2] && known.has(loc[2])) return { field: loc[2], message };
      return { field: null, message: `${loc.slice(1).join(".")}: ${message}` };
    });
  }
  const message = typeof detail === "string" ? detail : detail ? JSON.stringify(detail) : `HTTP ${status}`;
  const named = /\bparams? (?:'([^']+)'|"([^"]+)"|`([^`]+)`)/i.exec(message);
  const name = named ? (named[1] ?? named[2] ?? named[3]) : undefined;
  if (name && known.has(name)) return [{ field: name, message }];
  if (status === 409 && /run/i.test(message)) return [{ field: RUN_ID, message }];
  if (/logical.date/i.test(message)) return [{ field: LOGICAL_DATE, message }];
  return [{ field: null, message }];
}
