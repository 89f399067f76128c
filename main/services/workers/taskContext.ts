/**
 * What a pool task may tell the pool while it runs. A task that works through several items
 * (the files of an import batch, the frames of an instance) reports each one as it starts it:
 * the pool restarts the task's deadline with that item's time budget, and when the worker
 * dies or runs out of time it knows which item it was on.
 */
export interface TaskContext {
  /** The task starts item `unit` (0-based), which has `budgetMs` to finish (else the task's own budget). */
  progress(unit: number, budgetMs?: number): void;
}

/** For a task called outside the pool (tests, the main thread). */
export const NO_TASK_CONTEXT: TaskContext = { progress: () => undefined };

/** The worker's answer for one task, or one of its progress reports. */
export type WorkerMessage =
  | { ready: true }
  | { id: number; progress: number; budgetMs?: number }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };
