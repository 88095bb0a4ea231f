import { copyFileSync, mkdirSync } from "node:fs";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vitest/config";

// The API docs page loads Swagger UI from the site itself (strict CSP: no CDN, no inline script).
// Its prebuilt bundle is copied as is into dist/docs/, outside the app's assets, so the app's own
// JavaScript stays small and only the docs page pays for Swagger UI.
function swaggerUi(): Plugin {
  return {
    name: "swagger-ui-static",
    apply: "build",
    closeBundle() {
      mkdirSync("dist/docs", { recursive: true });
      for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
        copyFileSync(`node_modules/swagger-ui-dist/${file}`, `dist/docs/${file}`);
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), swaggerUi()],
  build: {
    outDir: "dist",
    sourcemap: false,
    chunkSizeWarningLimit: 300,
    rollupOptions: { input: { main: "index.html", docs: "docs.html" } },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test-setup.ts"],
    // A busy 2-core machine runs a user-event test well past vitest's 5 s default; speed is not asserted here.
    testTimeout: 30_000,
  },
});
