import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Built into dist/ and served by Django (WhiteNoise) under /static/app/; index.html is
// returned by Django for every page path with the host's settings injected.
export default defineConfig({
  base: "/static/app/",
  plugins: [react()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 2500,
  },
  server: {
    proxy: {
      "^/(graphql|uploads|auth|files|health)": "http://127.0.0.1:8000",
    },
  },
});
