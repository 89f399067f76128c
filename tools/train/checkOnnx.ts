/**
 * Checks the shipped model folder the way the app will use it:
 *  - model.json passes `validateManifest`, its sha256 is that of model.onnx, and the ONNX
 *    graph's inputs/outputs (as onnxruntime-node reads them) pass `checkOnnxIo`;
 *  - with `--reference <run>/reference` (from export.py): onnxruntime-node's logits on real
 *    patches agree with torch's;
 *  - ms per patch in onnxruntime-node on the CPU, batch 1 and batch 2;
 *  - with `--pipeline`: the app's whole pipeline (`runSegmentation`) on the test patients of
 *    split.json, regenerated from their generator options, timed, with Dice on the series grid.
 *
 *   node --import tsx tools/train/checkOnnx.ts [--reference /tmp/liver-run/reference] [--pipeline [--cases N]]
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { runSegmentation } from '../../core/inference/pipeline';
import { checkOnnxIo, validateManifest } from '../../core/models/manifest';
import { generatePatient, type PhantomOptions } from '../phantom';
import { MODEL_ID, mapLabelsToClasses } from './prepare';

const here = dirname(fileURLToPath(import.meta.url));
const modelDir = resolve(here, '../../resources/models', MODEL_ID);

const readF32 = (path: string): Float32Array => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function dice(pred: Uint8Array, truth: Uint8Array, isA: (v: number) => boolean): number {
  let a = 0;
  let b = 0;
  let both = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = isA(pred[i]);
    const t = isA(truth[i]);
    if (p) a++;
    if (t) b++;
    if (p && t) both++;
  }
  return a + b === 0 ? NaN : (2 * both) / (a + b);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reference: { type: 'string' },
      pipeline: { type: 'boolean', default: false },
      cases: { type: 'string', default: '6' },
      threads: { type: 'string' },
    },
  });
  const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
  const check = validateManifest(json);
  if (!check.ok) throw new Error(`model.json is invalid:\n  ${check.errors.join('\n  ')}`);
  const manifest = check.value;
  const onnxPath = join(modelDir, 'model.onnx');
  const bytes = readFileSync(onnxPath);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== manifest.sha256) throw new Error(`model.onnx has SHA-256 ${sha}, model.json says ${manifest.sha256}`);
  console.log(`model.json valid; sha256 matches; model.onnx ${(bytes.length / 1e6).toFixed(2)} MB`);

  const threads = values.threads ? Number(values.threads) : undefined;
  const session = await ort.InferenceSession.create(onnxPath, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(threads ? { intraOpNumThreads: threads } : {}),
  });
  const meta = (l: readonly ort.InferenceSession.ValueMetadata[]) => l.map((m) => ({ name: m.name, dims: m.isTensor ? [...m.shape] : [] }));
  const io = { inputs: meta(session.inputMetadata), outputs: meta(session.outputMetadata) };
  const ioErrors = checkOnnxIo(manifest, io);
  if (ioErrors.length) throw new Error(`ONNX IO does not match model.json: ${ioErrors.join('; ')}`);
  console.log(`ONNX IO ok: ${JSON.stringify(io)}`);

  const [px, py, pz] = manifest.input.patchSize;
  const pv = px * py * pz;
  const C = manifest.output.channels;
  const run = async (data: Float32Array, n: number): Promise<Float32Array> => {
    const out = await session.run({ [manifest.input.name]: new ort.Tensor('float32', data, [n, 1, pz, py, px]) });
    return out[manifest.output.name].data as Float32Array;
  };

  if (values.reference) {
    const input = readF32(join(values.reference, 'input.f32'));
    const expected = readF32(join(values.reference, 'logits.f32'));
    const n = input.length / pv;
    const got = await run(input, n);
    let maxDiff = 0;
    let argmaxDisagree = 0;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
    for (let b = 0; b < n; b++)
      for (let v = 0; v < pv; v++) {
        let bg = 0;
        let be = 0;
        for (let c = 1; c < C; c++) {
          if (got[(b * C + c) * pv + v] > got[(b * C + bg) * pv + v]) bg = c;
          if (expected[(b * C + c) * pv + v] > expected[(b * C + be) * pv + v]) be = c;
        }
        if (bg !== be) argmaxDisagree++;
      }
    console.log(`onnxruntime-node vs torch on ${n} real patches: max |Δlogit| ${maxDiff.toExponential(2)}, argmax differs at ${argmaxDisagree} of ${n * pv} voxels`);
    if (maxDiff > 1e-2) throw new Error(`onnxruntime-node and torch disagree by ${maxDiff}`);
  }

  for (const n of [1, 2]) {
    const data = new Float32Array(n * pv).map((_, i) => Math.sin(i * 0.001));
    await run(data, n); // warm-up
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      await run(data, n);
      times.push(performance.now() - t);
    }
    console.log(`batch ${n}: ${median(times).toFixed(0)} ms per call, ${(median(times) / n).toFixed(0)} ms per patch (median of 5, ${threads ?? 'default'} threads)`);
  }

  if (values.pipeline) {
    const split = JSON.parse(readFileSync(join(modelDir, 'split.json'), 'utf8')) as { test: { patientId: string; options: PhantomOptions }[] };
    const rows: number[][] = [];
    for (const entry of split.test.slice(0, Number(values.cases))) {
      const patient = generatePatient(entry.options);
      const tp = patient.timepoints[0];
      const truth = mapLabelsToClasses(tp.labels, patient.truth.timepoints[0].lesions);
      const r = await runSegmentation(tp.volume, tp.geometry, manifest, run, { batchSize: 2 });
      const d = [
        dice(r.labels, truth, (v) => v === 1),
        dice(r.labels, truth, (v) => v >= 2),
        dice(r.labels, truth, (v) => v === 2),
        dice(r.labels, truth, (v) => v === 3),
      ];
      rows.push(d);
      console.log(
        `${entry.patientId} ${tp.geometry.dims.join('×')} → model ${r.modelGeometry.dims.join('×')}, ${r.windows} windows: ` +
          `${(r.timings.totalMs / 1000).toFixed(1)} s (network ${(r.timings.inferMs / 1000).toFixed(1)} s); series-grid Dice ` +
          `liver ${d[0].toFixed(3)} lesion ${d[1].toFixed(3)} metastasis ${d[2].toFixed(3)} cyst ${d[3].toFixed(3)}`,
      );
    }
    const mean = (k: number) => rows.map((r) => r[k]).filter((v) => !Number.isNaN(v)).reduce((s, v, _, a) => s + v / a.length, 0);
    console.log(`pipeline mean Dice over ${rows.length} test patients: liver ${mean(0).toFixed(4)} lesion ${mean(1).toFixed(4)} metastasis ${mean(2).toFixed(4)} cyst ${mean(3).toFixed(4)}`);
  }
  await session.release();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
