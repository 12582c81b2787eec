import {
  LOGICAL_DATE,
  RUN_ID,
  confToValues,
  defaultValues,
  extraKeys,
  fieldSpec,
  fieldSpecs,
  isoToLocalInput,
  localInputToIso,
  parseConf,
  sections,
  serverErrors,
  validate,
  valuesToConf,
  type Params,
} from "./params";

// As GET /api/v2/dags/dynamic_task_mapping_demo/details answers it.
const SEED_PARAMS: Params = {
  mode: { value: "daily", schema: { enum: ["daily", "custom"] }, description: "Execution mode", source: "dag" },
  start_date: { value: "2024-01-01", schema: { format: "date" }, description: "Start date for the date range (only for custom)", source: "dag" },
  end_date: { value: "2024-01-03", schema: { format: "date" }, description: "End date for the date range (only for custom)", source: "dag" },
  events_per_partition: { value: 10, schema: { type: "integer" }, description: "Random events per partition", source: "dag" },
};

describe("fieldSpecs", () => {
  it("makes the seed's params an enum, two dates and an integer, in order", () => {
    const fields = fieldSpecs(SEED_PARAMS);
    expect(fields.map((f) => [f.name, f.kind])).toEqual([
      ["mode", "enum"],
      ["start_date", "date"],
      ["end_date", "date"],
      ["events_per_partition", "integer"],
    ]);
    expect(fields[0].options.map((o) => o.label)).toEqual(["daily", "custom"]);
    expect(fields[0].description).toBe("Execution mode");
    expect(fields[3].nullable).toBe(false);
    expect(fields[1].nullable).toBe(true); // no type: JSON Schema accepts null
  });

  it("reads types, formats, titles, sections, values_display and description_md", () => {
    const f = (schema: Record<string, unknown>, value: unknown = null) => fieldSpec("p", { value, schema });
    expect(f({ type: "boolean" }, true).kind).toBe("boolean");
    expect(f({ type: "number" }).kind).toBe("number");
    expect(f({ type: ["null", "integer"] }).kind).toBe("integer");
    expect(f({ type: ["null", "integer"] }).nullable).toBe(true);
    expect(f({ type: "string", format: "date-time" }).kind).toBe("datetime");
    expect(f({ type: "string", format: "time" }).kind).toBe("time");
    expect(f({ type: "string", format: "multiline" }).kind).toBe("multiline");
    expect(f({ type: "array", items: { type: "string" } }).kind).toBe("list");
    expect(f({ type: "array", items: { type: "integer" } }).itemType).toBe("integer");
    expect(f({ type: "array", items: { type: "object" } }).kind).toBe("json");
    expect(f({ type: "object" }).kind).toBe("json");
    expect(f({ const: 3 }).kind).toBe("const");
    // no type: from the default
    expect(f({}, false).kind).toBe("boolean");
    expect(f({}, ["a", "b"]).kind).toBe("list");
    expect(f({}, { a: 1 }).kind).toBe("json");
    const rich = f({
      type: "string",
      enum: ["a", "b"],
      values_display: { a: "Alpha" },
      title: "Nice name",
      section: "Advanced",
      description_md: "**bold**",
    });
    expect(rich.kind).toBe("enum");
    expect(rich.options.map((o) => o.label)).toEqual(["Alpha", "b"]);
    expect(rich.label).toBe("Nice name");
    expect(rich.section).toBe("Advanced");
    expect(rich.descriptionMd).toBe("**bold**");
  });

  it("groups fields by section, the unsectioned first, const ones hidden", () => {
    const fields = fieldSpecs({
      a: { value: 1, schema: { section: "S1" } },
      b: { value: 1, schema: {} },
      c: { value: 1, schema: { section: "S2" } },
      d: { value: 1, schema: { section: "S1" } },
      e: { value: 1, schema: { const: 1 } },
    });
    expect(sections(fields).map((s) => [s.title, s.fields.map((f) => f.name)])).toEqual([
      [null, ["b"]],
      ["S1", ["a", "d"]],
      ["S2", ["c"]],
    ]);
  });
});

describe("values and conf", () => {
  it("fills the defaults and makes the conf back", () => {
    const fields = fieldSpecs(SEED_PARAMS);
    const values = defaultValues(fields);
    expect(values).toEqual({ mode: '"daily"', start_date: "2024-01-01", end_date: "2024-01-03", events_per_partition: "10" });
    expect(valuesToConf(fields, values)).toEqual({ mode: "daily", start_date: "2024-01-01", end_date: "2024-01-03", events_per_partition: 10 });
  });

  it("round-trips every kind through the inputs", () => {
    const params: Params = {
      flag: { value: true, schema: { type: "boolean" } },
      n: { value: 1.5, schema: { type: "number" } },
      when: { value: "2024-05-06T07:08:00+00:00", schema: { type: "string", format: "date-time" } },
      tags: { value: ["x", "y"], schema: { type: "array", items: { type: "string" } } },
      nums: { value: [1, 2], schema: { type: "array", items: { type: "integer" } } },
      obj: { value: { a: [1, 2] }, schema: { type: "object" } },
      text: { value: "line 1\nline 2", schema: { type: "string", format: "multiline" } },
      choice: { value: 2, schema: { enum: [1, 2, null] } },
    };
    const fields = fieldSpecs(params);
    const conf = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, p.value]));
    const values = confToValues(fields, conf);
    expect(values.when).toBe("2024-05-06T07:08");
    expect(values.tags).toBe("x\ny");
    expect(valuesToConf(fields, values)).toEqual(conf);
  });

  it("keeps conf keys that are not params", () => {
    const fields = fieldSpecs(SEED_PARAMS);
    const conf = { mode: "custom", other: [1] };
    expect(extraKeys(fields, conf)).toEqual({ other: [1] });
    const values = confToValues(fields, conf);
    expect(values.mode).toBe('"custom"');
    expect(values.events_per_partition).toBe("10"); // missing: the default
    expect(valuesToConf(fields, values, extraKeys(fields, conf))).toMatchObject({ mode: "custom", other: [1] });
  });

  it("reads datetime-local inputs as UTC", () => {
    expect(localInputToIso("2024-01-02T03:04")).toBe("2024-01-02T03:04:00+00:00");
    expect(localInputToIso("2024-01-02T03:04:05")).toBe("2024-01-02T03:04:05+00:00");
    expect(isoToLocalInput("2024-01-02T04:04:05+01:00")).toBe("2024-01-02T03:04:05");
    expect(isoToLocalInput("nonsense")).toBe("");
  });

  it("parses the raw conf", () => {
    expect(parseConf('{"a": 1}')).toEqual({ conf: { a: 1 } });
    expect(parseConf("")).toEqual({ conf: {} });
    expect(parseConf("[1]")).toEqual({ error: "The conf must be a JSON object: {...}" });
    expect("error" in parseConf("{oops")).toBe(true);
  });
});

describe("validate", () => {
  const fields = fieldSpecs({
    ...SEED_PARAMS,
    size: { value: 5, schema: { type: "integer", minimum: 1, maximum: 10 } },
    name: { value: "ab", schema: { type: "string", minLength: 2, pattern: "^[a-z]+$" } },
    at: { value: null, schema: { type: "string", format: "date-time" } },
    obj: { value: {}, schema: { type: "object" } },
  });
  const base = defaultValues(fields);

  it("accepts the defaults", () => {
    const { at: _at, ...rest } = validate(fields, base);
    expect(rest).toEqual({});
  });

  it("says what each rule wants", () => {
    const errors = validate(fields, {
      ...base,
      mode: '"weekly"',
      start_date: "2024-02-30",
      events_per_partition: "",
      size: "11",
      name: "A",
      at: "2024-01-01T10:00",
      obj: "{not json",
    });
    expect(errors.mode).toBe("Must be one of: daily, custom");
    expect(errors.start_date).toBe("Must be a date (YYYY-MM-DD)");
    expect(errors.events_per_partition).toBe("A value is needed");
    expect(errors.size).toBe("At most 10");
    expect(errors.name).toBe("At least 2 characters");
    expect(errors.at).toBeUndefined();
    expect(errors.obj).toBe("Not valid JSON");
    expect(validate(fields, { ...base, events_per_partition: "1.5" }).events_per_partition).toBe("Must be a whole number");
    expect(validate(fields, { ...base, name: "abc1" }).name).toBe("Must match ^[a-z]+$");
    expect(validate(fields, { ...base, at: "" }).at).toBe("A value is needed");
    expect(validate(fields, { ...base, obj: "[1]" }).obj).toBe("Must be of type object");
  });
});

describe("serverErrors", () => {
  const names = ["mode", "start_date", "events_per_partition"];
  it("puts a param's refusal next to the param", () => {
    const detail =
      "Invalid value 'weekly' for param 'mode': 'weekly' is not one of ['daily', 'custom'] (rule: enum ['daily', 'custom'])";
    expect(serverErrors(400, detail, names)).toEqual([{ field: "mode", message: detail }]);
  });
  it("maps FastAPI's 422 locations and a taken run id", () => {
    expect(serverErrors(422, [{ loc: ["body", "logical_date"], msg: "bad date" }], names)).toEqual([
      { field: LOGICAL_DATE, message: "bad date" },
    ]);
    expect(serverErrors(409, "DAG run manual__x of DAG d already exists", names)).toEqual([
      { field: RUN_ID, message: "DAG run manual__x of DAG d already exists" },
    ]);
  });
  it("keeps the rest for the whole form", () => {
    expect(serverErrors(400, "Invalid value for param 'unknown'", names)).toEqual([
      { field: null, message: "Invalid value for param 'unknown'" },
    ]);
    expect(serverErrors(500, null, names)).toEqual([{ field: null, message: "HTTP 500" }]);
  });
});
