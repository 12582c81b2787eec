import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The bundle goes into the Python package, so `make run` serves it without Node.js.
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "../src/slipstream/api/static/app",
    emptyOutDir: true,
    sourcemap: false,
    assetsDir: "bundle",
    chunkSizeWarningLimit: 900,
  },
  server: {
    // `npm run dev` against a server started with `slipstream standalone` on port 8080.
    proxy: Object.fromEntries(["/api", "/auth", "/ui", "/static", "/docs", "/openapi.json"].map((p) => [p, "http://127.0.0.1:8080"])),
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    globals: true,
    testTimeout: 20000, // a loaded CI machine: the form tests render much
    setupFiles: ["src/test-setup.ts"],
  },
});
