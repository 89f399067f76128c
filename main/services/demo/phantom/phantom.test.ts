import { beforeAll, describe, expect, it } from 'vitest';
import { type Vec3, applyRigid, norm, sub } from './geometry';
import { type GeneratedPatient, type GeneratedTimepoint, type PhantomOptions, PhantomOptionError, generatePatient, resolveOptions } from './phantom';

// Coarse but complete: a 384 mm field of view at 2 mm pixels, 240 mm of z at
// 2 mm, so the whole liver and every lesion are in every exam.
const OPTIONS: PhantomOptions = { seed: 'test-42', size: 192, pixelMm: 2, slices: 120, sliceMm: 2 };

let patient: GeneratedPatient;
beforeAll(() => {
  patient = generatePatient(OPTIONS);
});

/** Centroid (LPS mm) of voxels whose label passes `match`. */
function labelCentroid(tp: GeneratedTimepoint, match: (label: number) => boolean): { centreMm: Vec3; count: number } {
  const [nx, ny, nz] = tp.geometry.dims;
  const [sx, sy, sz] = tp.geometry.spacingMm;
  const [ox, oy, oz] = tp.geometry.originMm;
  let n = 0;
  let cx = 0;
  let cy = 0;
  let cz = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        if (!match(tp.labels[(k * ny + j) * nx + i])) continue;
        n++;
        cx += i;
        cy += j;
        cz += k;
      }
  return { centreMm: [ox + (cx / n) * sx, oy + (cy / n) * sy, oz + (cz / n) * sz], count: n };
}

function voxelIndex(tp: GeneratedTimepoint, p: Vec3): number {
  const [nx, ny] = tp.geometry.dims;
  const ijk = p.map((v, a) => Math.round((v - tp.geometry.originMm[a]) / tp.geometry.spacingMm[a]));
  return (ijk[2] * ny + ijk[1]) * nx + ijk[0];
}

function meanSd(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd };
}

describe('generatePatient: anatomy and attenuation', () => {
  it('has the declared grid: axis-aligned, centred, 2 mm', () => {
    const g = patient.timepoints[0].geometry;
    expect(g.dims).toEqual([192, 192, 120]);
    expect(g.spacingMm).toEqual([2, 2, 2]);
    expect(g.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(g.originMm).toEqual([-191, -191, -119]);
    expect(patient.timepoints[0].volume.length).toBe(192 * 192 * 120);
  });

  it('puts the liver on the patient’s right (negative LPS x)', () => {
    const { centreMm } = labelCentroid(patient.timepoints[0], (l) => l >= 1);
    expect(centreMm[0]).toBeLessThan(-25);
  });

  it('gives air, fat, liver and bone their CT numbers, with ~12 HU Gaussian noise', () => {
    const tp = patient.timepoints[0];
    const [nx, ny, nz] = tp.geometry.dims;
    // Air: the image corners, outside the body.
    const air: number[] = [];
    for (let k = 0; k < nz; k += 7) for (let j = 0; j < 8; j++) for (let i = 0; i < 8; i++) air.push(tp.volume[(k * ny + j) * nx + i]);
    expect(meanSd(air).mean).toBeGreaterThan(-1006);
    expect(meanSd(air).mean).toBeLessThan(-994);

    // Subcutaneous fat: anterior midline, halfway through the fat layer.
    const b = patient.truth.body;
    const yFat = -(b.anteriorMm - b.skinMm - b.fatAnteriorMm / 2);
    const fat: number[] = [];
    for (let z = -20; z <= 20; z += 2) for (let x = -10; x <= 10; x += 2) fat.push(tp.volume[voxelIndex(tp, [x, yFat, z])]);
    expect(meanSd(fat).mean).toBeGreaterThan(-112);
    expect(meanSd(fat).mean).toBeLessThan(-88);

    // Liver parenchyma well inside the organ (all 26 neighbours liver too).
    const liver: number[] = [];
    for (let k = 1; k < nz - 1; k++)
      for (let j = 1; j < ny - 1; j++)
        for (let i = 1; i < nx - 1; i++) {
          const v = (k * ny + j) * nx + i;
          if (tp.labels[v] !== 1) continue;
          let interior = true;
          for (let dk = -1; dk <= 1 && interior; dk++)
            for (let dj = -1; dj <= 1 && interior; dj++)
              for (let di = -1; di <= 1; di++) if (tp.labels[v + (dk * ny + dj) * nx + di] !== 1) interior = false;
          if (interior) liver.push(tp.volume[v]);
        }
    expect(liver.length).toBeGreaterThan(50_000);
    const liverStats = meanSd(liver);
    expect(Math.abs(liverStats.mean - tp.truth.liverHu)).toBeLessThan(3);
    expect(liverStats.mean).toBeGreaterThan(90);
    expect(liverStats.mean).toBeLessThan(110);
    expect(liverStats.sd).toBeGreaterThan(10);
    expect(liverStats.sd).toBeLessThan(14);

    // Spine: down the middle of the vertebral bodies, bone most of the way (discs between).
    const column: number[] = [];
    for (let k = 0; k < nz; k++) column.push(tp.volume[voxelIndex(tp, [0, 58, tp.geometry.originMm[2] + k * 2])]);
    const sorted = [...column].sort((p, q) => p - q);
    const median = sorted[Math.floor(sorted.length / 2)];
    expect(median).toBeGreaterThanOrEqual(400);
    expect(median).toBeLessThanOrEqual(1000);
    expect(sorted[sorted.length - 1]).toBeLessThan(1100);
  });

  it('renders metastases at 40–60 HU and cysts at 0–10 HU', () => {
    const tp = patient.timepoints[0];
    for (const lesion of tp.truth.lesions) {
      const summary = patient.truth.lesions.find((l) => l.id === lesion.id)!;
      if (summary.type === 'metastasis') {
        expect(summary.coreHu).toBeGreaterThanOrEqual(40);
        expect(summary.coreHu).toBeLessThanOrEqual(60);
      } else {
        expect(summary.coreHu).toBeGreaterThanOrEqual(0);
        expect(summary.coreHu).toBeLessThanOrEqual(10);
        expect(summary.rim).toBeNull();
        expect(summary.marginBlurMm).toBe(0);
      }
      // The middle of a lesion big enough to have a core away from rim and margin.
      if (Math.min(...lesion.semiAxesMm) < 7) continue;
      const values: number[] = [];
      for (const dz of [-2, 0, 2]) for (const dy of [-2, 0, 2]) for (const dx of [-2, 0, 2]) values.push(tp.volume[voxelIndex(tp, [lesion.centreMm[0] + dx, lesion.centreMm[1] + dy, lesion.centreMm[2] + dz])]);
      expect(Math.abs(meanSd(values).mean - summary.coreHu)).toBeLessThan(9);
    }
  });
});

describe('generatePatient: lesion truth', () => {
  it('counts lesion voxels within a few per cent of 4/3·π·a·b·c', () => {
    let checked = 0;
    for (const tp of patient.timepoints) {
      for (const lesion of tp.truth.lesions) {
        const [a, b, c] = lesion.semiAxesMm;
        const analyticMl = ((4 / 3) * Math.PI * a * b * c) / 1000;
        expect(lesion.analyticVolumeMl).toBeCloseTo(analyticMl, 3);
        // Supersampled partial volume is nearly exact for any size.
        expect(Math.abs(lesion.partialVolumeMl - analyticMl) / analyticMl).toBeLessThan(0.02);
        // The ≥ 50 % label has quantisation noise at the surface: only lesions of ≥ 250 voxels.
        if (lesion.voxelCount < 250) continue;
        expect(Math.abs(lesion.voxelizedVolumeMl - analyticMl) / analyticMl).toBeLessThan(0.04);
        expect(lesion.voxelizedVolumeMl).toBeCloseTo(lesion.voxelCount * 0.008, 4);
        // And the label map really has that many voxels of this lesion.
        expect(tp.labels.reduce((n, l) => n + (l === lesion.labelValue ? 1 : 0), 0)).toBe(lesion.voxelCount);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(8);
  });

  it('places each lesion where its label voxels are', () => {
    for (const tp of patient.timepoints) {
      for (const lesion of tp.truth.lesions) {
        if (lesion.voxelCount < 250) continue;
        const { centreMm } = labelCentroid(tp, (l) => l === lesion.labelValue);
        expect(norm(sub(centreMm, lesion.centreMm))).toBeLessThan(0.5);
      }
    }
  });

  it('keeps lesion ids stable and plays out grow, shrink, appear, disappear, split and merge', () => {
    const t = patient.truth;
    const byCourse = (course: string) => t.lesions.filter((l) => l.course === course);
    const present = (tp: number, id: string) => t.timepoints[tp].lesions.find((l) => l.id === id);
    const volume = (tp: number, id: string) => present(tp, id)!.analyticVolumeMl;

    const grow = byCourse('grow')[0];
    expect(volume(1, grow.id)).toBeGreaterThan(volume(0, grow.id) * 1.2);
    const shrink = byCourse('shrink')[0];
    expect(volume(1, shrink.id)).toBeLessThan(volume(0, shrink.id) * 0.8);

    const appear = byCourse('appear')[0];
    expect(appear.presentAt).toEqual([1, 2]);
    expect(present(0, appear.id)).toBeUndefined();
    const disappear = byCourse('disappear')[0];
    expect(disappear.presentAt).toEqual([0, 1]);

    const [splitParent, splitChild] = byCourse('split');
    expect(splitChild.splitFrom).toBe(splitParent.id);
    expect(splitParent.presentAt).toEqual([0, 1, 2]);
    expect(splitChild.presentAt).toEqual([2]);
    // Two separate fragments: parenchyma between them.
    const f1 = present(2, splitParent.id)!;
    const f2 = present(2, splitChild.id)!;
    expect(norm(sub(f1.centreMm, f2.centreMm))).toBeGreaterThan(f1.semiAxesMm[0] + f2.semiAxesMm[0]);

    const [mergeInto, mergeFrom] = byCourse('merge');
    expect(mergeFrom.mergedInto).toBe(mergeInto.id);
    expect(mergeFrom.presentAt).toEqual([0, 1]);
    expect(volume(2, mergeInto.id)).toBeGreaterThan(volume(1, mergeInto.id) + volume(1, mergeFrom.id));

    expect(t.events.map((e) => `${e.timepoint}:${e.kind}`).sort()).toEqual(['1:appear', '2:disappear', '2:merge', '2:split']);
    // Label values are unique per lesion and never the liver's.
    const labels = t.lesions.map((l) => l.labelValue);
    expect(new Set(labels).size).toBe(labels.length);
    expect(Math.min(...labels)).toBeGreaterThanOrEqual(2);
  });
});

describe('generatePatient: patient motion between exams', () => {
  it('moves the patient by a real but bounded rigid transform', () => {
    expect(patient.truth.timepoints[0].baselineToExam.rotationDeg).toBe(0);
    for (const tp of patient.truth.timepoints.slice(1)) {
      const m = tp.baselineToExam;
      expect(m.rotationDeg).toBeGreaterThan(0.5);
      expect(m.rotationDeg).toBeLessThanOrEqual(5);
      expect(norm(m.translationMm)).toBeGreaterThan(3);
      expect(norm(m.translationMm)).toBeLessThanOrEqual(15);
      expect(m.matrix4x4[0].slice(0, 3)).toEqual(m.rotation[0]);
    }
  });

  it('follow-up lesion centres are the baseline centres under the exam transform', () => {
    const t = patient.truth;
    let compared = 0;
    for (const tp of t.timepoints.slice(1)) {
      const transform = { rotation: tp.baselineToExam.rotation, translationMm: tp.baselineToExam.translationMm };
      for (const lesion of tp.lesions) {
        const summary = t.lesions.find((l) => l.id === lesion.id)!;
        if (summary.course === 'split' || summary.course === 'merge') continue;
        const baseline = t.timepoints[0].lesions.find((l) => l.id === lesion.id);
        if (!baseline) continue;
        expect(norm(sub(applyRigid(transform, baseline.centreMm), lesion.centreMm))).toBeLessThan(1e-3);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(6);
  });

  it('moves the anatomy in the voxels, not only the truth: the liver follows the transform', () => {
    const base = labelCentroid(patient.timepoints[0], (l) => l >= 1).centreMm;
    for (const tp of patient.timepoints.slice(1)) {
      const m = tp.truth.baselineToExam;
      const expected = applyRigid({ rotation: m.rotation, translationMm: m.translationMm }, base);
      const seen = labelCentroid(tp, (l) => l >= 1).centreMm;
      expect(norm(sub(seen, expected))).toBeLessThan(0.5);
      // Without the motion the liver would be millimetres away.
      expect(norm(sub(seen, base))).toBeGreaterThan(3);
    }
  });

  it('measures the same liver volume in every exam and in the anatomy', () => {
    for (const tp of patient.truth.timepoints) {
      expect(Math.abs(tp.liver.voxelizedVolumeMl - patient.truth.liver.volumeMl) / patient.truth.liver.volumeMl).toBeLessThan(0.005);
    }
    expect(patient.truth.liver.volumeMl).toBeGreaterThan(1000);
    expect(patient.truth.liver.volumeMl).toBeLessThan(2400);
  });
});

describe('generatePatient: determinism and options', () => {
  const small: PhantomOptions = { seed: 7, size: 96, slices: 40, sliceMm: 2.5, timepoints: 2 };

  it('is bit-identical for the same seed and differs for another', () => {
    const a = generatePatient(small);
    const b = generatePatient(small);
    const c = generatePatient({ ...small, seed: 8 });
    expect(JSON.stringify(b.truth)).toBe(JSON.stringify(a.truth));
    for (let t = 0; t < 2; t++) {
      expect(Buffer.from(b.timepoints[t].volume.buffer).equals(Buffer.from(a.timepoints[t].volume.buffer))).toBe(true);
      expect(Buffer.from(b.timepoints[t].labels.buffer).equals(Buffer.from(a.timepoints[t].labels.buffer))).toBe(true);
    }
    expect(Buffer.from(c.timepoints[0].volume.buffer).equals(Buffer.from(a.timepoints[0].volume.buffer))).toBe(false);
    expect(c.truth.timepoints[0].seriesInstanceUid).not.toBe(a.truth.timepoints[0].seriesInstanceUid);
  });

  it('honours noise, motion and timepoint options', () => {
    const still = generatePatient({ ...small, noiseSdHu: 0, maxShiftMm: 0, maxRotationDeg: 0, timepoints: 1 });
    expect(still.truth.timepoints).toHaveLength(1);
    // No noise: air is exactly −1000 HU.
    expect(still.timepoints[0].volume[0]).toBe(-1000);
    expect(still.truth.events).toEqual([]);
  });

  it('rejects impossible options with the option’s name', () => {
    expect(() => resolveOptions({ size: 20 })).toThrow(PhantomOptionError);
    expect(() => resolveOptions({ size: 20 })).toThrow(/size must be an integer from 48/);
    expect(() => resolveOptions({ sliceMm: 0 })).toThrow(/sliceMm/);
    expect(() => resolveOptions({ patientId: 'a\\b' })).toThrow(/patientId/);
    expect(() => resolveOptions({ bitsStored: 14 as 12 })).toThrow(/bitsStored/);
    expect(() => generatePatient({ ...small, slices: 6 })).toThrow(/could not place lesion/);
  });
});
