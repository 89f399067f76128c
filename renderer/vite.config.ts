import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import type { Plugin, UserConfig } from 'vite';

// Resolved from this file rather than the cwd, so electron-vite (which imports this
// config from the repo root) and `vite build --config renderer/vite.config.ts` agree.
const rendererRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(rendererRoot, '..');

/**
 * The dev server injects an inline React Refresh preamble, which the strict CSP in
 * index.html (script-src 'self') would block. Relax it in dev only; the built app
 * ships the strict policy unchanged.
 */
function devCspRelaxation(): Plugin {
  return {
    name: 'longitude-dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'");
    },
  };
}

export const rendererConfig: UserConfig = {
  root: rendererRoot,
  // Relative asset URLs: Electron loads the page from file://, serve mode from http://host/.
  base: './',
  plugins: [react(), devCspRelaxation()],
  build: {
    outDir: resolve(repoRoot, 'out/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    // vtk.js is large by nature; one chunk for it is expected, not a regression signal.
    chunkSizeWarningLimit: 4000,
    // Explicit entry: electron-vite only finds index.html by itself under src/renderer/.
    rolldownOptions: { input: resolve(rendererRoot, 'index.html') },
  },
  server: {
    // core/ (the API contract) lives outside the renderer root.
    fs: { allow: [repoRoot] },
    // Renderer work in a plain browser against a running `npm run serve`:
    // LONGITUDE_API=http://127.0.0.1:PORT npx vite --config renderer/vite.config.ts
    // then open the dev URL with ?token=… from the serve output.
    proxy: process.env.LONGITUDE_API
      ? { '/api': { target: process.env.LONGITUDE_API, changeOrigin: true } }
      : undefined,
  },
};

export default rendererConfig;
