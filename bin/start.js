#!/usr/bin/env node
/**
 * `npm start`: the desktop app when the Electron runtime is installed, otherwise serve
 * mode with a clear message. `npm run serve` (--serve) always uses serve mode.
 * Extra arguments (--home DIR, --port N, --host ADDR) are passed on.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const forceServe = args.includes('--serve');
const passOn = args.filter((a) => a !== '--serve');

function electronBinary() {
  try {
    // The electron package exports the path of its binary, and throws when it was never downloaded.
    const p = require('electron');
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

function ensureBuilt() {
  if (existsSync(join(root, 'out', 'renderer', 'index.html')) && existsSync(join(root, 'out', 'main', 'index.js'))) return;
  console.log('Building the workstation (first start)…');
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

ensureBuilt();
const electron = forceServe ? null : electronBinary();
let child;
if (electron) {
  child = spawn(electron, [root, ...passOn], { stdio: 'inherit' });
} else {
  if (!forceServe) {
    console.log(
      'The Electron runtime is not installed on this machine (its binary is downloaded separately: "npm run setup:electron").\n' +
        'Starting serve mode instead: the same workstation in your browser at the address below.',
    );
  }
  child = spawn(process.execPath, ['--import', 'tsx', join(root, 'main', 'serve.ts'), ...passOn], { cwd: root, stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
