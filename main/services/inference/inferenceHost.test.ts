import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import type { Vec3, VolumeGeometry } from '../../../core/api/types';
import { decodeMaskRle } from '../../../core/api/maskRle';
import { indexToLps } from '../../../core/dicom/geometry';
import { validateManifest, type ModelManifest } from '../../../core/models/manifest';
import { InferenceCancelledError, InferenceHost } from './inferenceHost';

const dir = new URL('./testdata/threshold/', import.meta.url);
const modelPath = new URL('model.onnx', dir).pathname;
const check = validateManifest(JSON.parse(readFileSync(new URL('model.json', dir), 'utf8')));
if (!check.ok) throw new Error(check.errors.join('; '));
const manifest: ModelManifest = check.value;

/** 120 HU body with a −70 HU sphere (the model's 25 HU threshold lies half-way) of radius r at c (mm), 0.8 × 0.8 × 1.5 mm voxels. */
function volumeWithSphere(dims: Vec3, c: Vec3, r: number): { v: Int16Array; g: VolumeGeometry; truthMl: number } {
  const g: VolumeGeometry = { dims, spacingMm: [0.8, 0.8, 1.5], originMm: [-20, -20, -20], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  const v = new Int16Array(dims[0] * dims[1] * dims[2]);
  let o = 0;
  let n = 0;
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++, o++) {
        const p = indexToLps(g, [i, j, k]);
        const inside = (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2 + (p[2] - c[2]) ** 2 <= r * r;
        v[o] = inside ? -70 : 120;
        n += +inside;
      }
  return { v, g, truthMl: (n * 0.8 * 0.8 * 1.5) / 1000 };
}

const host = new InferenceHost({ cancelGraceS: 2 });
afterAll(() => host.close());

describe('InferenceHost (onnxruntime-node in its own process)', () => {
  it('reads the ONNX inputs and outputs', async () => {
    const io = await host.inspect(modelPath);
    expect(io.inputs).toEqual([{ name: 'image', dims: ['N', 1, 16, 16, 16] }]);
    expect(io.outputs).toEqual([{ name: 'logits', dims: ['N', 2, 16, 16, 16] }]);
  });

  it('runs the model with provider fallback down to the CPU and finds the sphere', async () => {
    const { v, g, truthMl } = volumeWithSphere([60, 60, 30], [4, 2, 1], 8);
    const phases = new Set<string>();
    let lastDone = 0;
    const { promise } = host.run({ modelPath, manifest, volume: v, geometry: g, options: { returnLabels: true } }, (p) => {
      phases.add(p.phase);
      if (p.phase === 'inference') lastDone = p.done;
    });
    const r = await promise;
    // No GPU provider loads on this machine; each one is tried and passed over with a reason.
    expect(r.attempts.map((a) => a.provider)).toEqual(['cuda', 'dml', 'coreml', 'webgpu', 'cpu']);
    expect(r.provider).toBe('cpu');
    expect(r.attempts.slice(0, -1).every((a) => a.error)).toBe(true);
    expect([...phases]).toEqual(['preprocess', 'inference', 'postprocess']);
    expect(lastDone).toBe(r.windows);
    expect(r.drafts).toHaveLength(1);
    const d = r.drafts[0];
    expect(d.lesionType).toBe('cyst');
    expect(d.volumeMl / truthMl).toBeGreaterThan(0.85);
    expect(d.volumeMl / truthMl).toBeLessThan(1.1);
    expect(Math.hypot(d.centroidLps[0] - 4, d.centroidLps[1] - 2, d.centroidLps[2] - 1)).toBeLessThan(1);
    expect(decodeMaskRle(d.mask).reduce((s, x) => s + x, 0)).toBe(d.voxelCount);
    expect(r.labels!.reduce((s, x) => s + x, 0)).toBe(d.voxelCount);
    expect(r.timings.sessionRunMs).toBeGreaterThan(0);
    expect(r.timings.wallMs).toBeGreaterThanOrEqual(r.timings.sessionRunMs);
    expect(r.peakRssMb).toBeGreaterThan(10);
  });

  it('passes a large volume through a file, which is gone afterwards', async () => {
    const { v, g } = volumeWithSphere([320, 320, 96], [0, 0, 0], 6);
    const shm = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const before = readdirSync(shm).filter((f) => f.startsWith('longitude-inference-')).length;
    const r = await host.run({ modelPath, manifest, volume: v, geometry: g }).promise;
    expect(r.drafts.some((d) => Math.hypot(...(d.centroidLps as [number, number, number])) < 1.5)).toBe(true);
    expect(readdirSync(shm).filter((f) => f.startsWith('longitude-inference-')).length).toBe(before);
  });

  it('uses only the providers asked for', async () => {
    const { v, g } = volumeWithSphere([30, 30, 12], [0, 0, 0], 5);
    const r = await host.run({ modelPath, manifest, volume: v, geometry: g, options: { providers: ['cpu'] } }).promise;
    expect(r.attempts).toEqual([{ provider: 'cpu', error: null }]);
  });

  it('cancels a run between batches', async () => {
    const { v, g } = volumeWithSphere([200, 200, 100], [0, 0, 0], 5);
    let id = 0;
    const run = host.run({ modelPath, manifest, volume: v, geometry: g, options: { batchSize: 1 } }, (p) => {
      if (p.phase === 'inference' && p.done === 2) host.cancel(id);
    });
    id = run.id;
    await expect(run.promise).rejects.toBeInstanceOf(InferenceCancelledError);
  });

  it('survives the inference process being killed (as by the out-of-memory killer) and starts a new one', async () => {
    const { v, g } = volumeWithSphere([200, 200, 100], [0, 0, 0], 5);
    const run = host.run({ modelPath, manifest, volume: v, geometry: g, options: { batchSize: 1 } }, (p) => {
      if (p.phase === 'inference' && p.done === 1 && host.pid) process.kill(host.pid, 'SIGKILL');
    });
    await expect(run.promise).rejects.toThrow(/stopped by SIGKILL; the workstation is unaffected/);
    const small = volumeWithSphere([30, 30, 12], [0, 0, 0], 5);
    const r = await host.run({ modelPath, manifest, volume: small.v, geometry: small.g }).promise;
    expect(r.drafts).toHaveLength(1);
  });

  it('names a broken model file', async () => {
    await expect(host.inspect(new URL('model.json', dir).pathname)).rejects.toThrow(/protobuf|parse|load/i);
  });
});
