import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerTasks } from '../library/library.worker';
import type { WorkerMessage } from './taskContext';

type TaskName = keyof WorkerTasks;
type TaskArg<K extends TaskName> = Parameters<WorkerTasks[K]>[0];
type TaskResult<K extends TaskName> = Awaited<ReturnType<WorkerTasks[K]>>;

/** How a task ended without an answer. */
export type WorkerFailureKind = 'timeout' | 'out-of-memory' | 'crashed' | 'closed';

/**
 * A task whose worker ran out of time or memory, or died. `unit` is the item the task had
 * reported starting last (TaskContext.progress), so a caller can tell which file did it.
 * The message is written for a report; the worker's own error goes to the log.
 */
export class WorkerTaskError extends Error {
  override readonly name = 'WorkerTaskError';
  constructor(
    readonly kind: WorkerFailureKind,
    message: string,
    readonly unit: number | undefined,
  ) {
    super(message);
  }
}

export interface WorkerPoolOptions {
  /**
   * V8 old-generation heap of each worker (MB). A worker that needs more is stopped
   * (ERR_WORKER_OUT_OF_MEMORY) and replaced; without a cap, a runaway parse in one worker
   * exhausts the whole process. Typed arrays and WebAssembly memory are outside it.
   */
  maxOldGenerationSizeMb?: number;
  /** Time budget of a task until it reports progress, per task (ms); see DEFAULT_TASK_BUDGET_MS. */
  taskBudgetMs?: Partial<Record<TaskName, number>>;
}

/**
 * Until a task reports an item with its own budget: generous, as it includes reading the files.
 * storeFiles and decodeInstanceFile then report each file or frame with its own budget;
 * compareSameSop (two whole files decoded) reports nothing, so its budget covers all of it.
 */
export const DEFAULT_TASK_BUDGET_MS: Record<TaskName, number> = {
  storeFile: 30_000,
  storeFiles: 30_000,
  decodeInstanceFile: 60_000,
  compareSameSop: 300_000,
};

export const DEFAULT_WORKER_HEAP_MB = 512;

/** How long close() waits for its workers to exit. */
const CLOSE_WAIT_MS = 5000;

/** A worker that fails this many times in a row before it is ready means the pool cannot work. */
const MAX_START_FAILURES = 3;

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}
interface Job {
  id: number;
  task: TaskName;
  arg: unknown;
  pending: Pending;
  budgetMs: number;
  /** The budget of the item in progress. */
  currentBudgetMs: number;
  unit?: number;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job?: Job;
  /** Why the worker is going away (set before terminate, or by its 'error' event). */
  failure?: { kind: WorkerFailureKind; detail: string };
  exited: boolean;
  /** A replacement was started already (a worker stopped for its time budget is replaced at once). */
  replaced?: boolean;
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

function seconds(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

/**
 * A fixed pool of worker threads running the pure tasks of library/library.worker.ts.
 * The caller's types come from the task functions themselves.
 *
 * Each worker runs under a heap cap and each task under a time budget; a worker that runs out
 * of either, or dies, fails its own task only (with a WorkerTaskError) and is replaced by a
 * fresh one, so the pool, and the process it serves, keep working.
 */
export class WorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private startFailures = 0;
  private brokenReason: string | null = null;
  private readonly started: Promise<void>[] = [];
  private readonly heapMb: number;
  private readonly budgets: Record<TaskName, number>;

  constructor(
    readonly size = Math.max(1, Math.min(cpus().length, 8)),
    opts: WorkerPoolOptions = {},
  ) {
    this.heapMb = opts.maxOldGenerationSizeMb ?? DEFAULT_WORKER_HEAP_MB;
    this.budgets = { ...DEFAULT_TASK_BUDGET_MS, ...opts.taskBudgetMs };
    for (let i = 0; i < size; i++) this.spawn();
  }

  /** Resolves when every worker has loaded its modules (to keep start-up out of measurements). */
  ready(): Promise<void> {
    return Promise.all(this.started).then(() => undefined);
  }

  /** Workers replaced so far because they died, ran out of memory or of time. */
  replacedWorkers = 0;

  private spawn(): void {
    const { file, workerData } = workerFile();
    const worker = new Worker(file, {
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
    });
    const slot: Slot = { worker, ready: false, exited: false };
    this.slots.add(slot);
    this.updateRefs();
    let signalReady!: () => void;
    this.started.push(new Promise<void>((r) => (signalReady = r)));
    worker.on('message', (msg: WorkerMessage) => {
      if ('ready' in msg) {
        slot.ready = true;
        this.startFailures = 0;
        signalReady();
        this.pump(); // also drops the reference of a worker that has nothing to do
      } else this.onMessage(slot, msg);
    });
    worker.on('error', (err: Error & { code?: string }) => {
      // The job is settled on 'exit', after the worker's last messages (its progress) have arrived.
      slot.failure ??= err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? { kind: 'out-of-memory', detail: err.message } : { kind: 'crashed', detail: err.stack ?? err.message };
    });
    worker.once('exit', (code) => {
      signalReady();
      this.onExit(slot, code);
    });
  }

  run<K extends TaskName>(task: K, arg: TaskArg<K>, opts: { priority?: boolean; budgetMs?: number } = {}): Promise<TaskResult<K>> {
    if (this.closed) return Promise.reject(new WorkerTaskError('closed', 'the worker pool is closed', undefined));
    if (this.brokenReason) return Promise.reject(new WorkerTaskError('crashed', this.brokenReason, undefined));
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        task,
        arg,
        budgetMs: opts.budgetMs ?? this.budgets[task],
        currentBudgetMs: 0,
        pending: { resolve: resolve as (v: unknown) => void, reject: reject as (e: Error) => void },
      };
      if (opts.priority) this.queue.unshift(job);
      else this.queue.push(job);
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (!slot.ready || slot.job || slot.failure || slot.exited) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      this.arm(slot, job.budgetMs);
      slot.worker.postMessage({ id: job.id, task: job.task, arg: job.arg });
    }
    this.updateRefs();
  }

  /**
   * While a worker starts, or work is queued or running, the workers keep the process alive (a
   * caller may be waiting for ready(), or a job for a worker that is still starting or replacing
   * a dead one); idle, they do not.
   */
  private updateRefs(): void {
    // Closing: terminate() holds every worker until its 'exit'; a late message must not let go.
    if (this.closed) return;
    const waiting = this.queue.length > 0;
    for (const slot of this.slots) {
      const live = !slot.exited && !slot.failure;
      if (slot.job || (live && (waiting || !slot.ready))) slot.worker.ref();
      else slot.worker.unref();
    }
  }

  /** (Re)starts the running job's deadline. */
  private arm(slot: Slot, budgetMs: number): void {
    const job = slot.job!;
    clearTimeout(job.timer);
    job.currentBudgetMs = budgetMs;
    job.timer = setTimeout(() => {
      if (slot.job !== job) return;
      const item = job.unit !== undefined ? ` on item ${job.unit + 1}` : '';
      slot.failure = { kind: 'timeout', detail: `${job.task} ran past its budget of ${seconds(budgetMs)}${item}` };
      // Settle and replace the worker now: terminate() may take a moment, and nobody should wait for it.
      this.fail(slot, job);
      void slot.worker.terminate();
      if (!this.closed) {
        slot.replaced = true;
        this.replacedWorkers++;
        this.spawn();
      }
      this.pump();
    }, budgetMs);
    job.timer.unref();
  }

  private onMessage(slot: Slot, msg: Exclude<WorkerMessage, { ready: true }>): void {
    const job = slot.job;
    if (!job || job.id !== msg.id) return;
    if ('progress' in msg) {
      job.unit = msg.progress;
      this.arm(slot, msg.budgetMs ?? job.budgetMs);
      return;
    }
    clearTimeout(job.timer);
    slot.job = undefined;
    if (msg.ok) job.pending.resolve(msg.result);
    else job.pending.reject(new Error(msg.error));
    this.pump();
  }

  /** Rejects a job whose worker failed, naming what happened in words a report can show. */
  private fail(slot: Slot, job: Job): void {
    clearTimeout(job.timer);
    if (slot.job === job) slot.job = undefined;
    const failure = slot.failure ?? { kind: 'crashed' as const, detail: 'the worker thread stopped' };
    if (failure.kind === 'out-of-memory' || failure.kind === 'crashed') console.error(`worker pool: a worker died running ${job.task}${job.unit !== undefined ? ` (item ${job.unit + 1})` : ''}: ${failure.detail}`);
    const message =
      failure.kind === 'timeout'
        ? `did not finish within its time budget of ${seconds(job.currentBudgetMs)}`
        : failure.kind === 'out-of-memory'
          ? `needed more than the ${this.heapMb} MB of memory a worker may use`
          : failure.kind === 'closed'
            ? 'the worker pool was closed'
            : 'the worker stopped unexpectedly (details in the log)';
    job.pending.reject(new WorkerTaskError(failure.kind, message, job.unit));
  }

  private onExit(slot: Slot, code: number): void {
    slot.exited = true;
    this.slots.delete(slot);
    if (slot.job) this.fail(slot, slot.job);
    if (this.closed || slot.replaced) return;
    if (!slot.ready) {
      if (++this.startFailures >= MAX_START_FAILURES) {
        this.brokenReason = `the worker threads cannot start (exit code ${code}${slot.failure ? `: ${slot.failure.detail.split('\n')[0]}` : ''})`;
        console.error(`worker pool: ${this.brokenReason}`);
        for (const job of this.queue.splice(0)) job.pending.reject(new WorkerTaskError('crashed', this.brokenReason, undefined));
        return;
      }
    }
    this.replacedWorkers++;
    this.spawn();
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.pending.reject(new WorkerTaskError('closed', 'the worker pool was closed', undefined));
    const exited = Promise.all(
      [...this.slots].map((slot) => {
        slot.failure ??= { kind: 'closed', detail: 'closed' };
        return slot.worker.terminate();
      }),
    );
    // Should an 'exit' never come, a referenced timer bounds the wait (and keeps the process
    // alive meanwhile, so that the caller's next step runs).
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    if (late) console.error(`worker pool: ${this.slots.size} worker(s) had not exited ${seconds(CLOSE_WAIT_MS)} after close()`);
    for (const slot of this.slots) if (slot.job) this.fail(slot, slot.job);
  }
}
