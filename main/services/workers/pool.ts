import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerTasks } from '../library/library.worker';

type TaskName = keyof WorkerTasks;
type TaskArg<K extends TaskName> = Parameters<WorkerTasks[K]>[0];
type TaskResult<K extends TaskName> = Awaited<ReturnType<WorkerTasks[K]>>;

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}
interface Job {
  id: number;
  task: TaskName;
  arg: unknown;
  pending: Pending;
}

/**
 * The library's worker script: the bundled .js beside the main bundle in the Electron
 * build, else the .ts source beside the code it exposes (main/services/library), loaded
 * through tsx in serve mode, the CLI and tests.
 */
function workerFile(): { file: string; workerData?: { tsWorker: string } } {
  const js = fileURLToPath(new URL('./library.worker.js', import.meta.url));
  if (existsSync(js)) return { file: js };
  const ts = new URL('../library/library.worker.ts', import.meta.url).href;
  return { file: fileURLToPath(new URL('./tsBootstrap.mjs', import.meta.url)), workerData: { tsWorker: ts } };
}

/**
 * A fixed pool of worker threads running the pure tasks of library/library.worker.ts.
 * The caller's types come from the task functions themselves.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private nextId = 1;
  private closed = false;

  constructor(readonly size = Math.max(1, Math.min(cpus().length, 8))) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  private readonly started: Promise<void>[] = [];

  /** Resolves when every worker has loaded its modules (to keep start-up out of measurements). */
  ready(): Promise<void> {
    return Promise.all(this.started).then(() => undefined);
  }

  private spawn(): void {
    const { file, workerData } = workerFile();
    const w = new Worker(file, { workerData });
    w.unref();
    let signalReady!: () => void;
    this.started.push(new Promise<void>((r) => (signalReady = r)));
    w.once('exit', () => signalReady());
    w.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: string; ready?: boolean }) => {
      if (msg.ready) signalReady();
      else this.onMessage(w, msg);
    });
    w.on('error', (err: Error) => this.onCrash(w, err));
    this.workers.push(w);
    this.idle.push(w);
  }

  run<K extends TaskName>(task: K, arg: TaskArg<K>, opts: { priority?: boolean } = {}): Promise<TaskResult<K>> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, task, arg, pending: { resolve: resolve as (v: unknown) => void, reject: reject as (e: Error) => void } };
      if (opts.priority) this.queue.unshift(job);
      else this.queue.push(job);
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.running.set(w, job);
      w.ref();
      w.postMessage({ id: job.id, task: job.task, arg: job.arg });
    }
  }

  private onMessage(w: Worker, msg: { id: number; ok: boolean; result?: unknown; error?: string }): void {
    const job = this.running.get(w);
    this.running.delete(w);
    w.unref();
    this.idle.push(w);
    if (job && job.id === msg.id) {
      if (msg.ok) job.pending.resolve(msg.result);
      else job.pending.reject(new Error(msg.error ?? 'worker task failed'));
    }
    this.pump();
  }

  /** A crashed worker fails its own task only; a fresh worker takes its place. */
  private onCrash(w: Worker, err: Error): void {
    const job = this.running.get(w);
    this.running.delete(w);
    job?.pending.reject(new Error(`worker crashed: ${err.message}`));
    this.workers.splice(this.workers.indexOf(w), 1);
    const idleAt = this.idle.indexOf(w);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    if (!this.closed) {
      this.spawn();
      this.pump();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.pending.reject(new Error('worker pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
