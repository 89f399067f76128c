/**
 * The main-process side of the inference process: starts it on first use, sends it runs,
 * relays progress, cancels, and survives its death (a native crash or out-of-memory fails
 * the runs in flight with a clear message; the next run starts a fresh process).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VolumeGeometry } from '../../../core/api/types';
import type { ModelManifest } from '../../../core/models/manifest';
import type { FromChild, RunOptions, RunResult, TensorMeta, ToChild } from './protocol';

export interface InferenceProgress {
  phase: 'preprocess' | 'inference' | 'postprocess';
  done: number;
  total: number;
}

export class InferenceCancelledError extends Error {
  constructor() {
    super('the model run was cancelled');
    this.name = 'InferenceCancelledError';
  }
}

export interface InferenceHostOptions {
  /** Seconds a cancelled run may take to stop before the process is killed (default 5). */
  cancelGraceS?: number;
}

/** Volumes from this size on travel through a file rather than the IPC pipe. */
const LARGE_VOLUME_BYTES = 16 * 2 ** 20;

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  onProgress?: (p: InferenceProgress) => void;
}

/** The script to fork: the bundled .js in the Electron build, else the .ts through tsx. */
function childScript(): { file: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('./inference.child.js', import.meta.url));
  if (existsSync(js)) return { file: js, execArgv: [] };
  // tsx by absolute URL, so the child does not depend on the working directory.
  return { file: fileURLToPath(new URL('./inference.child.ts', import.meta.url)), execArgv: ['--import', import.meta.resolve('tsx')] };
}

export class InferenceHost {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly killTimers = new Map<number, NodeJS.Timeout>();
  /** Why the last process ended, for the runs that were in it. */
  lastExit: string | null = null;

  constructor(private readonly opts: InferenceHostOptions = {}) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  private start(): ChildProcess {
    if (this.child) return this.child;
    const { file, execArgv } = childScript();
    const child = fork(file, [], {
      execArgv,
      serialization: 'advanced',
      // Electron's binary acts as Node for this child.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('message', (m: FromChild) => this.onMessage(m));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      const oom = /heap out of memory|Allocation failed|std::bad_alloc/i.test(stderr);
      const why = oom
        ? 'the inference process ran out of memory'
        : signal
          ? `the inference process was stopped by ${signal}`
          : `the inference process exited with code ${code}`;
      this.lastExit = why;
      for (const [id, p] of this.pending) {
        const timer = this.killTimers.get(id);
        if (timer) {
          clearTimeout(timer);
          this.killTimers.delete(id);
          p.reject(new InferenceCancelledError());
        } else p.reject(new Error(`${why}; the workstation is unaffected, and the next run starts a new one`));
      }
      this.pending.clear();
    });
    this.child = child;
    return child;
  }

  private onMessage(m: FromChild): void {
    if (m.type === 'ready') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') {
      p.onProgress?.({ phase: m.phase, done: m.done, total: m.total });
      return;
    }
    this.pending.delete(m.id);
    const timer = this.killTimers.get(m.id);
    if (timer) clearTimeout(timer);
    this.killTimers.delete(m.id);
    if (m.type === 'error') p.reject(m.cancelled ? new InferenceCancelledError() : new Error(m.message));
    else if (m.type === 'inspected') p.resolve({ inputs: m.inputs, outputs: m.outputs });
    else p.resolve(m.result);
  }

  private call<T>(msg: WithoutId<Extract<ToChild, { type: 'inspect' | 'run' }>>, onProgress?: (p: InferenceProgress) => void): { id: number; promise: Promise<T> } {
    const id = this.nextId++;
    const promise = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      this.start().send({ ...msg, id } as ToChild);
    });
    return { id, promise };
  }

  /** Inputs and outputs of an ONNX file (names and shapes), read in the inference process. */
  inspect(modelPath: string): Promise<{ inputs: TensorMeta[]; outputs: TensorMeta[] }> {
    return this.call<{ inputs: TensorMeta[]; outputs: TensorMeta[] }>({ type: 'inspect', modelPath }).promise;
  }

  /** Start a run; `promise` settles with the result, an error, or InferenceCancelledError. */
  run(
    req: { modelPath: string; manifest: ModelManifest; volume: Int16Array; geometry: VolumeGeometry; options?: RunOptions },
    onProgress?: (p: InferenceProgress) => void,
  ): { id: number; promise: Promise<RunResult> } {
    // A large volume goes through a file in memory-backed storage where there is one: writing
    // and reading it is several times faster than serializing it over the IPC pipe.
    let volumeFile: string | null = null;
    if (req.volume.byteLength >= LARGE_VOLUME_BYTES) {
      volumeFile = join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `longitude-inference-${process.pid}-${this.nextId}-${randomBytes(4).toString('hex')}.i16`);
      writeFileSync(volumeFile, new Uint8Array(req.volume.buffer, req.volume.byteOffset, req.volume.byteLength));
    }
    const call = this.call<RunResult>(
      { type: 'run', modelPath: req.modelPath, manifest: req.manifest, geometry: req.geometry, volume: volumeFile ? null : req.volume, volumeFile, options: req.options ?? {} },
      onProgress,
    );
    if (volumeFile) {
      const file = volumeFile;
      // The child deletes it once read; if it never read it (crash, cancel), it goes here.
      call.promise.then(
        () => rmSync(file, { force: true }),
        () => rmSync(file, { force: true }),
      );
    }
    return call;
  }

  /** Ask the run to stop between batches; kill the process if it has not within the grace time. */
  cancel(id: number): void {
    if (!this.pending.has(id) || !this.child) return;
    this.child.send({ type: 'cancel', id } satisfies ToChild);
    if (!this.killTimers.has(id)) {
      const child = this.child;
      this.killTimers.set(
        id,
        setTimeout(() => child.kill('SIGKILL'), (this.opts.cancelGraceS ?? 5) * 1000),
      );
    }
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill();
    });
  }
}
