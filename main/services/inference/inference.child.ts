/**
 * The inference process: onnxruntime-node runs here, never in the main process, so a
 * native crash or an out-of-memory in a model takes down only this process; the main
 * process reports it and starts a new one for the next run.
 *
 * Execution providers are tried in order (CUDA, DirectML, CoreML, WebGPU, CPU): the first
 * that creates a session runs the model, and the result says which one it was and why
 * the others were passed over.
 */
import { readFileSync, rmSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { extractProposals, runSegmentation } from '../../../core/inference';
import type { FromChild, ProviderAttempt, ProviderName, RunResult, ToChild } from './protocol';
import { PROVIDER_ORDER } from './protocol';

const send = (m: FromChild): void => {
  process.send?.(m);
};

const cancelled = new Set<number>();
interface CachedSession {
  session: ort.InferenceSession;
  provider: ProviderName;
  attempts: ProviderAttempt[];
}
const sessions = new Map<string, CachedSession>();

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e)
    .split('\n')[0]
    .slice(0, 300);
}

async function sessionFor(modelPath: string, providers: readonly ProviderName[], threads?: number): Promise<CachedSession & { createMs: number }> {
  const key = `${modelPath}|${providers.join(',')}|${threads ?? ''}`;
  const hit = sessions.get(key);
  if (hit) return { ...hit, createMs: 0 };
  const t = performance.now();
  const attempts: ProviderAttempt[] = [];
  for (const provider of providers) {
    try {
      const session = await ort.InferenceSession.create(modelPath, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        ...(provider === 'cpu' && threads ? { intraOpNumThreads: threads } : {}),
      });
      attempts.push({ provider, error: null });
      const entry = { session, provider, attempts };
      // One model at a time stays loaded (a validation run reuses it for every case).
      for (const [k, s] of sessions) {
        sessions.delete(k);
        void s.session.release();
      }
      sessions.set(key, entry);
      return { ...entry, createMs: performance.now() - t };
    } catch (e) {
      attempts.push({ provider, error: firstLine(e) });
    }
  }
  throw new Error(`no execution provider could load ${modelPath}: ${attempts.map((a) => `${a.provider}: ${a.error}`).join('; ')}`);
}

function metaOf(list: readonly ort.InferenceSession.ValueMetadata[]) {
  return list.map((m) => ({ name: m.name, dims: m.isTensor ? [...m.shape] : [] }));
}

async function handle(msg: ToChild): Promise<void> {
  if (msg.type === 'cancel') {
    cancelled.add(msg.id);
    return;
  }
  if (msg.type === 'inspect') {
    const session = await ort.InferenceSession.create(msg.modelPath, { executionProviders: ['cpu'] });
    send({ type: 'inspected', id: msg.id, inputs: metaOf(session.inputMetadata), outputs: metaOf(session.outputMetadata) });
    await session.release();
    return;
  }
  const { id, manifest, geometry, options } = msg;
  let volume = msg.volume;
  if (!volume && msg.volumeFile) {
    const bytes = readFileSync(msg.volumeFile);
    volume = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
    rmSync(msg.volumeFile, { force: true });
  }
  if (!volume) throw new Error('the run carries no volume');
  const t0 = performance.now();
  const { session, provider, attempts, createMs } = await sessionFor(msg.modelPath, options.providers ?? PROVIDER_ORDER, options.threads);
  const [px, py, pz] = manifest.input.patchSize;
  let sessionRunMs = 0;
  const result = await runSegmentation(
    volume,
    geometry,
    manifest,
    async (batch, n) => {
      const input = new ort.Tensor('float32', batch, [n, manifest.input.channels, pz, py, px]);
      const t = performance.now();
      const out = await session.run({ [manifest.input.name]: input });
      sessionRunMs += performance.now() - t;
      const tensor = out[manifest.output.name];
      if (!tensor) throw new Error(`model "${manifest.id}" gave no output named "${manifest.output.name}"`);
      return tensor.data as Float32Array;
    },
    {
      batchSize: options.batchSize,
      mirror: options.mirror,
      isCancelled: () => cancelled.has(id),
      onProgress: (p) => send({ type: 'progress', id, ...p }),
    },
  );
  const tp = performance.now();
  const drafts = extractProposals(result, geometry, manifest, { minLesionVolumeMl: options.minLesionVolumeMl });
  const proposalsMs = performance.now() - tp;
  const wallMs = performance.now() - t0;
  const out: RunResult = {
    provider,
    attempts,
    drafts,
    labels: options.returnLabels ? result.labels : null,
    windows: result.windows,
    calls: result.calls,
    timings: { ...result.timings, postprocessMs: result.timings.postprocessMs + proposalsMs, sessionCreateMs: createMs, sessionRunMs, wallMs },
    msPerWindow: result.windows ? sessionRunMs / result.windows : 0,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  send({ type: 'result', id, result: out });
}

process.on('message', (msg: ToChild) => {
  handle(msg)
    .catch((e: unknown) => {
      const isCancel = e instanceof Error && e.name === 'CancelledError';
      send({ type: 'error', id: msg.id, message: isCancel ? 'cancelled' : firstLine(e), cancelled: isCancel });
    })
    .finally(() => {
      if (msg.type !== 'cancel') cancelled.delete(msg.id);
    });
});
// The main process going away (or closing the channel) ends this one.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid });
