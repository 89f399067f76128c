// Loads a TypeScript worker through tsx (serve mode, CLI, tests). Node does not pass
// `--import` loaders to worker threads, so the worker registers tsx itself.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.tsWorker);
