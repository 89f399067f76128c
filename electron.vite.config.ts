import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { rendererConfig } from './renderer/vite.config';

// One build for both shells: out/main + out/preload for Electron, out/renderer is
// also what serve mode serves. Native modules stay external (better-sqlite3 is
// rebuilt for Electron's ABI on a user's machine, see README).
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'main/electron/index.ts'),
          'library.worker': resolve(__dirname, 'main/services/library/library.worker.ts'),
          // onnxruntime-node runs in its own process (main/services/inference/inferenceHost.ts).
          'inference.child': resolve(__dirname, 'main/services/inference/inference.child.ts'),
          // elastix (itk-wasm) registration runs in a worker thread.
          'registration.worker': resolve(__dirname, 'main/services/registration/registration.worker.ts'),
        },
        // Native modules, and itk-wasm packages that load their .wasm files from node_modules.
        external: ['better-sqlite3', 'onnxruntime-node', '@itk-wasm/elastix', 'itk-wasm'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload must be CommonJS.
      rollupOptions: {
        input: { index: resolve(__dirname, 'preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    ...rendererConfig,
    build: { ...rendererConfig.build, outDir: resolve(__dirname, 'out/renderer') },
  },
});
