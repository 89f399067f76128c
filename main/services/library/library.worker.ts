/**
 * Worker shim: exposes the library's pure(ish) heavy tasks to the pool. No logic here.
 */
import { parentPort } from 'node:worker_threads';
import type { TaskContext, WorkerMessage } from '../workers/taskContext';
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

/** Errors whose message is written for the user (they name the file and the reason). */
const USER_FACING_ERRORS = new Set(['DecodeError', 'DicomReadError', 'ApiError']);

const post = (msg: WorkerMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(msg, transfer);

// Modules are loaded: tell the pool this worker can take tasks.
parentPort?.postMessage({ ready: true } satisfies WorkerMessage);

parentPort?.on('message', async (msg: { id: number; task: keyof WorkerTasks; arg: never }) => {
  try {
    const fn = tasks[msg.task] as (arg: unknown, ctx: TaskContext) => Promise<unknown>;
    if (!fn) throw new Error(`unknown worker task "${String(msg.task)}"`);
    const ctx: TaskContext = { progress: (unit, budgetMs) => post({ id: msg.id, progress: unit, budgetMs }) };
    const result = await fn(msg.arg, ctx);
    post({ id: msg.id, ok: true, result }, transferables(result));
  } catch (err) {
    const userFacing = err instanceof Error && USER_FACING_ERRORS.has(err.name);
    if (!userFacing) console.error(`worker task ${String(msg.task)} failed:`, err);
    const error = userFacing ? err.message : `unexpected error in ${String(msg.task)} (details in the log)`;
    post({ id: msg.id, ok: false, error });
  }
});
