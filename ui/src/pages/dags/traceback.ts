// What the import-error banner reads out of a traceback: the failing line of the DAG file, and
// the one-line error. The API gives the file and the full traceback, not the line.

const FRAME = /File "([^"]+)", line (\d+)/g;

const basename = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

/** The line of `filename` where the error happened: the last `File "<filename>", line N` of the
 * traceback (the innermost frame in that file; a SyntaxError names its line the same way). A
 * frame matches by full path, or by file name when one side is relative. Null if none. */
export function errorLine(stackTrace: string, filename: string): number | null {
  let found: number | null = null;
  let foundByName: number | null = null;
  for (const match of stackTrace.matchAll(FRAME)) {
    const [, path, line] = match;
    if (path === filename) found = Number(line);
    else if (basename(path) === basename(filename) && (!path.startsWith("/") || !filename.startsWith("/")))
      foundByName = Number(line);
  }
  return found ?? foundByName;
}

/** The error in one line: the last line of a Python traceback (`NameError: name 'x' is not
 * defined`), or the first line of a message that is not a traceback (a cycle in the DAG...). */
export function errorSummary(stackTrace: string): string {
  const lines = stackTrace.split("\n").map((l) => l.trimEnd()).filter((l) => l.trim() !== "");
  if (lines.length === 0) return "";
  if (lines[0].startsWith("Traceback") || /^\s*File "/.test(lines[0])) {
    // The last line not indented: the exception (Python 3.11+ may follow it with indented notes).
    for (let i = lines.length - 1; i >= 0; i--) if (!/^\s/.test(lines[i])) return lines[i];
  }
  return lines[0];
}
