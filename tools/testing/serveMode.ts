/**
 * Starts the real serve mode (`node --import tsx main/serve.ts`) as a child process on a
 * fresh library folder and returns its tokenised URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServeHandle {
  url: string;
  origin: string;
  token: string;
  homeDir: string;
  process: ChildProcess;
  /** Peak resident memory of the server process so far (VmHWM), bytes. */
  peakRssBytes(): number;
  stop(): Promise<void>;
}

export async function startServeMode(opts: { homeDir?: string } = {}): Promise<ServeHandle> {
  if (!existsSync(join(REPO_ROOT, 'out', 'renderer', 'index.html'))) {
    throw new Error('out/renderer is missing: run "npm run build" before the e2e tests (npm test does)');
  }
  const homeDir = opts.homeDir ?? mkdtempSync(join(tmpdir(), 'lng-e2e-home-'));
  const ownsHome = !opts.homeDir;
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'main', 'serve.ts'), '--home', homeDir, '--port', '0'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve mode did not start within 30 s:\n${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /Longitude serving at (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`serve mode exited with ${code}:\n${output}`)));
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token')!,
    homeDir,
    process: child,
    peakRssBytes() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
      return kb * 1024;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (ownsHome) rmSync(homeDir, { recursive: true, force: true });
    },
  };
}

/** JSON API call against serve mode, as the renderer's HTTP transport makes it. */
export async function apiCall<T>(serve: ServeHandle, method: string, ...args: unknown[]): Promise<T> {
  const res = await fetch(`${serve.origin}/api/call/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ args }),
  });
  const body = (await res.json()) as { result?: T; error?: string };
  if (!res.ok) throw new Error(`${method}: ${body.error}`);
  return body.result as T;
}
