/**
 * Worker shim: exposes the library's pure(ish) heavy tasks to the pool. No logic here.
 */
import { parentPort } from 'node:worker_threads';
import { storeFile, storeFiles } from './storeFile';
import { decodeInstanceFile } from './decodeInstance';
import { compareSameSop } from './sameInstance';

export const tasks = {
  storeFile,
  storeFiles,
  decodeInstanceFile,
  compareSameSop,
};
export type WorkerTasks = typeof tasks;

function transferables(value: unknown, out: ArrayBuffer[] = []): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    const buf = value.buffer;
    if (buf instanceof ArrayBuffer && !out.includes(buf)) out.push(buf);
  } else if (Array.isArray(value)) {
    for (const v of value) transferables(v, out);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) transferables(v, out);
  }
  return out;
}

// Modules are loaded: tell the pool this worker can take tasks.
parentPort?.postMessage({ ready: true });

parentPort?.on('message', async (msg: { id: number; task: keyof WorkerTasks; arg: never }) => {
  try {
    const fn = tasks[msg.task] as (arg: unknown) => Promise<unknown>;
    if (!fn) throw new Error(`unknown worker task "${String(msg.task)}"`);
    const result = await fn(msg.arg);
    parentPort!.postMessage({ id: msg.id, ok: true, result }, transferables(result));
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
