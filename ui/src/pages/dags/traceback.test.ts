import { errorLine, errorSummary } from "./traceback";

const NAME_ERROR = `Traceback (most recent call last):
  File "<frozen importlib._bootstrap_external>", line 999, in exec_module
  File "/home/u/dags/seed003_etl_pipeline.py", line 14, in <module>
    'retry_delay': timedelta(minutes=1),
                   ^^^^^^^^^
NameError: name 'timedelta' is not defined
`;

const NESTED = `Traceback (most recent call last):
  File "/home/u/dags/a.py", line 3, in <module>
    helper()
  File "/home/u/dags/a.py", line 9, in helper
    boom()
  File "/usr/lib/python3/site-packages/lib.py", line 120, in boom
    raise ValueError("no")
ValueError: no
`;

const SYNTAX = `  File "/home/u/dags/b.py", line 7
    with DAG(
        ^
SyntaxError: '(' was never closed
`;

describe("errorLine", () => {
  it("takes the line of the DAG file's frame", () => {
    expect(errorLine(NAME_ERROR, "/home/u/dags/seed003_etl_pipeline.py")).toBe(14);
  });
  it("takes the innermost frame of that file, not of a library", () => {
    expect(errorLine(NESTED, "/home/u/dags/a.py")).toBe(9);
  });
  it("reads a SyntaxError's line", () => {
    expect(errorLine(SYNTAX, "/home/u/dags/b.py")).toBe(7);
  });
  it("matches by file name when the API gives a relative path", () => {
    expect(errorLine(NAME_ERROR, "seed003_etl_pipeline.py")).toBe(14);
  });
  it("gives null when no frame is in the file", () => {
    expect(errorLine("Cycle detected in DAG: task_c", "/x/y.py")).toBeNull();
    expect(errorLine(NAME_ERROR, "/elsewhere/other.py")).toBeNull();
  });
});

describe("errorSummary", () => {
  it("is the exception line of a traceback", () => {
    expect(errorSummary(NAME_ERROR)).toBe("NameError: name 'timedelta' is not defined");
    expect(errorSummary(SYNTAX)).toBe("SyntaxError: '(' was never closed");
  });
  it("keeps Python's hint", () => {
    expect(errorSummary(`Traceback (most recent call last):\n  File "/d/x.py", line 31, in <module>\n    task1 >> t\nNameError: name 'task1' is not defined. Did you mean: 'task_1'?\n`)).toBe(
      "NameError: name 'task1' is not defined. Did you mean: 'task_1'?",
    );
  });
  it("is the first line of a message that is not a traceback", () => {
    expect(errorSummary("Cycle detected in DAG parallel_example: task_c >> task_c\n\nTraceback...")).toBe(
      "Cycle detected in DAG parallel_example: task_c >> task_c",
    );
    expect(errorSummary("")).toBe("");
  });
});
