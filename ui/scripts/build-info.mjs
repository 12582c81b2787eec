// After `vite build`: record the sources' digest beside the bundle (a test fails when they drift)
// and write a .gz beside each script and stylesheet, which the server sends to browsers that accept it.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { sourcesDigest } from "./sources.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "../src/slipstream/api/static/app");
const assets = join(out, "bundle");
for (const name of readdirSync(assets)) {
  if (/\.(js|css|svg)$/.test(name)) {
    writeFileSync(join(assets, name + ".gz"), gzipSync(readFileSync(join(assets, name)), { level: 9 }));
  }
}
writeFileSync(join(out, "build-info.json"), JSON.stringify({ sources_sha256: sourcesDigest(root) }, null, 2) + "\n");
