/** Worker shim: writes one SliceJob's slices and posts back the per-exam statistics. */
import { parentPort, workerData } from 'node:worker_threads';
import { type SliceJob, runSliceJob } from './writeSeries';

if (!parentPort) throw new Error('writeSlices.worker.ts must run as a worker thread');
parentPort.postMessage(runSliceJob(workerData as SliceJob));
