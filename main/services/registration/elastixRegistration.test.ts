/**
 * Follow-up registration on a synthetic patient whose motion between exams is known
 * (tools/phantom: seed 233 moves 14.85 mm and turns 4.97°, close to the generator's 15 mm / 5°
 * maximum). The error is measured where a radiologist would look: at the centres of lesions
 * that stay put in the liver (growing, shrinking, stable), baseline vs follow-up.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Mat3, VolumeGeometry } from '../../../core/api/types';
import { indexToLps } from '../../../core/dicom/geometry';
import { decomposeRigid, identityMat4, type Mat4 } from '../../../core/registration/affine';
import { registrationError, type LandmarkPair } from '../../../core/registration/registrationError';
import { generatePatient, type GeneratedPatient } from '../../../tools/phantom/index';
import {
  registerInWorker,
  registerVolumes,
  RegistrationCancelledError,
  RegistrationError,
  toItkImage,
  type RegistrationProgress,
  type RegistrationVolume,
} from './elastixRegistration';

const SEED = 233;
let patient: GeneratedPatient;
let truth: Mat4;
let pairs: LandmarkPair[];
let baseline: RegistrationVolume;
let followUp: RegistrationVolume;

beforeAll(() => {
  // 128² × 80 slices of 3 mm: the whole liver, ≈ 2 s to synthesise.
  patient = generatePatient({ seed: SEED, size: 128, slices: 80, sliceMm: 3, timepoints: 2, extraLesions: 4 });
  const [t0, t1] = patient.truth.timepoints;
  truth = t1.baselineToExam.matrix4x4 as Mat4;
  const unchanged = patient.truth.lesions.filter((l) => ['grow', 'shrink', 'stable'].includes(l.course)).map((l) => l.id);
  pairs = unchanged.map((id) => ({
    label: id,
    fixedMm: t0.lesions.find((l) => l.id === id)!.centreMm,
    movingMm: t1.lesions.find((l) => l.id === id)!.centreMm,
  }));
  baseline = { hu: patient.timepoints[0].volume, geometry: patient.timepoints[0].geometry };
  followUp = { hu: patient.timepoints[1].volume, geometry: patient.timepoints[1].geometry };
});

describe('the phantom case itself', () => {
  it('moves about 15 mm and 5°, so an unregistered reading misses lesions by centimetres', () => {
    const d = decomposeRigid(truth);
    expect(Math.hypot(...d.translationMm)).toBeGreaterThan(14);
    expect(d.rotationDeg).toBeGreaterThan(4.5);
    expect(pairs.length).toBeGreaterThanOrEqual(5);
    expect(registrationError(truth, pairs).maxMm).toBeLessThan(1e-3);
    expect(registrationError(identityMat4(), pairs).medianMm).toBeGreaterThan(10);
  });
});

describe('elastix registration of a follow-up to its baseline (worker thread)', () => {
  it('rigid + affine at 3 mm: lesion centres land within 2 mm (median) and 4 mm (worst)', async () => {
    const progress: RegistrationProgress[] = [];
    const r = await registerInWorker({ fixed: baseline, moving: followUp }, { onProgress: (p) => progress.push(p) });
    const err = registrationError(r.matrix4x4, pairs);
    console.log(
      `phantom seed ${SEED}: TRE median ${err.medianMm.toFixed(2)} mm, max ${err.maxMm.toFixed(2)} mm over ${err.count} lesions; ` +
        `NCC ${r.metric.before.toFixed(3)} → ${r.metric.after.toFixed(3)}; ` +
        Object.entries(r.durationsMs).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', '),
    );
    expect(err.medianMm).toBeLessThanOrEqual(2);
    expect(err.maxMm).toBeLessThanOrEqual(4);
    expect(r.method).toBe('elastix-affine');
    // The same motion as the truth, read as a rotation and a shift.
    const d = decomposeRigid(truth);
    expect(Math.abs(r.rigid.rotationDeg - d.rotationDeg)).toBeLessThan(0.5);
    r.rigid.translationMm.forEach((t, i) => expect(Math.abs(t - d.translationMm[i])).toBeLessThan(1.5));
    // The inverse brings follow-up centres back to the baseline.
    const back = registrationError(r.inverse, pairs.map((p) => ({ fixedMm: p.movingMm, movingMm: p.fixedMm })));
    expect(back.maxMm).toBeLessThanOrEqual(4);
    expect(r.metric.after).toBeGreaterThan(r.metric.before + 0.1);
    expect(r.warnings).toEqual([]);
    // Two stages, each a rigid then affine elastix map, and what was run.
    expect(r.parameterMaps.map((m) => m.Transform[0])).toEqual(['EulerTransform', 'AffineTransform']);
    expect(r.parameters.stages.map((s) => [s.stage, s.map.Transform[0], s.map.Metric[0]])).toEqual([
      ['rigid', 'EulerTransform', 'AdvancedMattesMutualInformation'],
      ['affine', 'AffineTransform', 'AdvancedMattesMutualInformation'],
    ]);
    expect(r.parameters.spacingMm).toEqual([3, 3, 3]);
    expect(r.parameters.engine).toMatch(/^@itk-wasm\/elastix \d/);
    expect(r.durationsMs.rigid).toBeGreaterThan(0);
    expect(r.durationsMs.affine).toBeGreaterThan(0);
    // Progress: every phase starts and finishes, in order, and the fraction only grows to 1.
    expect(progress.map((p) => `${p.phase}:${p.state}`)).toEqual([
      'prepare:started', 'prepare:finished', 'rigid:started', 'rigid:finished', 'affine:started', 'affine:finished',
    ]);
    expect(progress.map((p) => p.fraction)).toEqual([...progress.map((p) => p.fraction)].sort((a, b) => a - b));
    expect(progress[progress.length - 1].fraction).toBe(1);
    // The caller's volumes were copied, not moved.
    expect(baseline.hu.length).toBe(128 * 128 * 80);
  });

  it('cancels: aborting terminates the worker mid-stage and rejects at once', async () => {
    const ctrl = new AbortController();
    const seen: string[] = [];
    const run = registerInWorker(
      { fixed: baseline, moving: followUp },
      {
        signal: ctrl.signal,
        onProgress: (p) => {
          seen.push(`${p.phase}:${p.state}`);
          if (p.phase === 'rigid' && p.state === 'started') ctrl.abort();
        },
      },
    );
    const t = performance.now();
    await expect(run).rejects.toBeInstanceOf(RegistrationCancelledError);
    expect(performance.now() - t).toBeLessThan(3000);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual(['prepare:started', 'prepare:finished', 'rigid:started']);
    await expect(registerInWorker({ fixed: baseline, moving: followUp }, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(RegistrationCancelledError);
  });

  it('reports bad input from the worker as a registration error naming the problem', async () => {
    const broken = { hu: new Int16Array(10), geometry: baseline.geometry };
    await expect(registerInWorker({ fixed: broken, moving: followUp })).rejects.toThrow(/fixed \(baseline\) volume has 10 voxels but its geometry needs 1310720/);
  });
});

/** The same voxels stored with permuted axes: new i = old y, new j = old z, new k = old x. */
function permuteAxes(v: RegistrationVolume): RegistrationVolume {
  const [nx, ny, nz] = v.geometry.dims;
  const out = new Int16Array(v.hu.length);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) out[(i * nz + k) * ny + j] = v.hu[(k * ny + j) * nx + i];
  const d = v.geometry.direction;
  const s = v.geometry.spacingMm;
  return {
    hu: out,
    geometry: {
      dims: [ny, nz, nx],
      spacingMm: [s[1], s[2], s[0]],
      originMm: v.geometry.originMm,
      direction: [d[3], d[4], d[5], d[6], d[7], d[8], d[0], d[1], d[2]] as Mat3,
    },
  };
}

describe('elastix registration in the calling thread', () => {
  it('reads image directions right: a baseline stored with permuted axes gives the same motion', async () => {
    const fixed = permuteAxes(baseline);
    // Same LPS position of a voxel either way.
    expect(indexToLps(fixed.geometry, [5, 7, 9])).toEqual(indexToLps(baseline.geometry, [9, 5, 7]));
    const r = await registerVolumes({ fixed, moving: followUp, options: { transform: 'rigid' } });
    const err = registrationError(r.matrix4x4, pairs);
    expect(err.medianMm).toBeLessThanOrEqual(2);
    expect(err.maxMm).toBeLessThanOrEqual(4);
  });

  it('restricts the metric to a liver box with a fixed mask, and is reproducible run to run', async () => {
    const liverMask = patient.timepoints[0].labels.map((v) => (v > 0 ? 1 : 0));
    const run = () => registerVolumes({ fixed: baseline, moving: followUp, options: { transform: 'rigid', fixedMask: liverMask } });
    const a = await run();
    const err = registrationError(a.matrix4x4, pairs);
    expect(err.medianMm).toBeLessThanOrEqual(2);
    expect(err.maxMm).toBeLessThanOrEqual(4);
    expect(a.parameters.maskBoundingBox).toBe(true);
    const [fx, fy, fz] = a.grids.fixed.dims;
    expect(fx * fy * fz).toBeLessThan(0.5 * 127 * 127 * 80);
    const b = await run();
    expect(b.matrix4x4).toEqual(a.matrix4x4);
    await expect(registerVolumes({ fixed: baseline, moving: followUp, options: { fixedMask: new Uint8Array(baseline.hu.length) } })).rejects.toThrow(/fixed mask is empty/);
  });
});

describe('image preparation', () => {
  const g: VolumeGeometry = { dims: [10, 20, 30], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [0, 1, 0, 0, 0, 1, 1, 0, 0] };

  it('hands itk-wasm the direction row-major (ours is column-major)', () => {
    const img = toItkImage({ data: new Float32Array(6000), geometry: g }, 'x');
    // D = [[0,0,1],[1,0,0],[0,1,0]]: the i axis is +y, j is +z, k is +x.
    expect(Array.from(img.direction as Float64Array)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect(img.size).toEqual([10, 20, 30]);
  });

  it('names impossible options', async () => {
    await expect(registerVolumes({ fixed: baseline, moving: followUp, options: { huWindow: [300, -200] } })).rejects.toThrow(RegistrationError);
    await expect(registerVolumes({ fixed: baseline, moving: followUp, options: { fixedMask: new Uint8Array(5) } })).rejects.toThrow(/must be on the baseline's grid/);
  });
});
