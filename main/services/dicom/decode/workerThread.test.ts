import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { decodeFile } from './index';

const TOTALSEG_DIR = fileURLToPath(new URL('../../../../../shared/data/totalsegmentator/example_ct_dicom', import.meta.url));
const CT_01 = fileURLToPath(new URL('../../../../../shared/data/dcmqi/ct-3slice/01.dcm', import.meta.url));

// An eval worker that loads this module's TypeScript through tsx, as the app's
// worker pool does in serve mode and tests; the WebAssembly codecs and the
// JavaScript 12-bit JPEG decoder initialise inside the worker thread.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  // Bare specifier: resolved from the working directory, the project root.
  const { register } = await import('tsx/esm/api');
  register();
  const { decodeFile } = await import(workerData.entry);
  const frames = [];
  for (const bytes of workerData.files) frames.push((await decodeFile(bytes)).frames[0]);
  parentPort.postMessage({ frames }, frames.map((f) => f.buffer));
})().catch((error) => parentPort.postMessage({ error: String((error && error.stack) || error) }));
`;

function decodeInWorker(files: Uint8Array[]): Promise<Int16Array[]> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      entry: new URL('./index.ts', import.meta.url).href,
      files,
    },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (message: { frames?: Int16Array[]; error?: string }) => {
      void worker.terminate();
      if (message.frames) resolve(message.frames);
      else reject(new Error(message.error));
    });
    worker.once('error', reject);
  });
}

describe('decodeFile in worker threads', () => {
  it('decodes JPEG 2000 in two workers at once, identically to the main thread', async () => {
    const names = readdirSync(TOTALSEG_DIR).sort().slice(0, 4);
    const files = names.map((name) => new Uint8Array(readFileSync(join(TOTALSEG_DIR, name))));
    const [first, second] = await Promise.all([decodeInWorker(files.slice(0, 2)), decodeInWorker(files.slice(2))]);
    const inWorkers = [...first, ...second];
    expect(inWorkers).toHaveLength(4);
    for (const [i, file] of files.entries()) {
      const mainThread = (await decodeFile(file)).frames[0];
      expect(inWorkers[i]).toBeInstanceOf(Int16Array);
      expect(inWorkers[i].length).toBe(512 * 512);
      expect(Buffer.compare(Buffer.from(inWorkers[i].buffer), Buffer.from(mainThread.buffer)), names[i]).toBe(0);
    }
  });

  it('decodes 12-bit JPEG Extended in a worker (decoder loaded there), identically to the main thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'longitude-worker12-'));
    try {
      const file = join(dir, 'extended12.dcm');
      const result = spawnSync('dcmcjpeg', ['+ee', CT_01, file], { encoding: 'utf8' });
      if (result.error || result.status !== 0) throw new Error(`dcmcjpeg failed (dcmtk is required): ${result.error?.message ?? result.stderr}`);
      const bytes = new Uint8Array(readFileSync(file));
      const [inWorker] = await decodeInWorker([bytes]);
      const mainThread = (await decodeFile(bytes)).frames[0];
      expect(inWorker.length).toBe(512 * 512);
      expect(Buffer.compare(Buffer.from(inWorker.buffer), Buffer.from(mainThread.buffer))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
