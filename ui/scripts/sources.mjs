// The digest of the UI's sources, as tests/api/test_web_ui.py recomputes it: sha256 over each file
// (sorted by path relative to ui/) as "path\0contents\0". Tests (*.test.ts[x]) are left out.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

export const TOP_FILES = ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts"];

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (!/\.test\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

export function sourcesDigest(root) {
  const files = [...TOP_FILES.map((f) => join(root, f)), ...walk(join(root, "src"), [])];
  const rel = files.map((f) => relative(root, f).split(sep).join("/")).sort();
  const hash = createHash("sha256");
  for (const path of rel) {
    hash.update(path + "\0");
    hash.update(readFileSync(join(root, path)));
    hash.update("\0");
  }
  return hash.digest("hex");
}
