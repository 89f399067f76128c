import { describe, expect, it } from 'vitest';
import { generatePatient } from '../phantom';
import { CLASSES, MODEL_SPACING_MM, mapLabelsToClasses, patientOptions, prepareCase, splitManifest, splitPatients } from './prepare';

describe('patient-level split', () => {
  it('is 80/10/10 of 60 patients, disjoint and complete', () => {
    const s = splitPatients(60, 'liver-lesions-split-v1');
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([48, 6, 6]);
    const all = [...s.train, ...s.validation, ...s.test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('is the same for the same seed and different for another', () => {
    expect(splitPatients(60, 'a')).toEqual(splitPatients(60, 'a'));
    expect(splitPatients(60, 'a').test).not.toEqual(splitPatients(60, 'b').test);
  });

  it('gives each patient (id and seed) to exactly one split, with its generator options', () => {
    const m = splitManifest(60, 'liver-lesions-split-v1');
    const ids = [...m.train, ...m.validation, ...m.test].map((e) => e.patientId);
    const seeds = [...m.train, ...m.validation, ...m.test].map((e) => e.seed);
    expect(new Set(ids).size).toBe(60);
    expect(new Set(seeds).size).toBe(60);
    // The phantom's cohort scheme: patient index i has seed "<seed>.<i+1>".
    for (const e of m.test) {
      expect(e.seed).toBe(`liver-lesions-v1.${e.index + 1}`);
      expect(e.options).toEqual(patientOptions(e.index));
    }
  });
});

describe('label mapping on a small phantom', () => {
  const patient = generatePatient({ seed: 'train-test', size: 64, slices: 40, sliceMm: 4, timepoints: 1, extraLesions: 3 });
  const tp = patient.timepoints[0];
  const lesions = patient.truth.timepoints[0].lesions;

  it('maps liver to 1 and each lesion to 2 (metastasis) or 3 (cyst) voxel for voxel', () => {
    const classes = mapLabelsToClasses(tp.labels, lesions);
    const byValue = new Map(lesions.map((l) => [l.labelValue, l.type]));
    expect(lesions.some((l) => l.type === 'metastasis')).toBe(true);
    expect(lesions.some((l) => l.type === 'cyst')).toBe(true);
    for (let i = 0; i < tp.labels.length; i++) {
      const v = tp.labels[i];
      const want = v === 0 ? 0 : v === 1 ? CLASSES.liver : byValue.get(v) === 'cyst' ? CLASSES.cyst : CLASSES.metastasis;
      if (classes[i] !== want) throw new Error(`voxel ${i}: label ${v} → ${classes[i]}, expected ${want}`);
    }
    // Each lesion's voxel count survives the mapping (no lesion is lost to background).
    const cystVoxels = lesions.filter((l) => l.type === 'cyst').reduce((n, l) => n + l.voxelCount, 0);
    expect(classes.filter((c) => c === CLASSES.cyst).length).toBe(cystVoxels);
  });

  it('refuses a label value the truth does not explain', () => {
    const bad = Uint8Array.from(tp.labels);
    bad[0] = 200;
    expect(() => mapLabelsToClasses(bad, lesions)).toThrow(/label value 200/);
  });

  it('puts the case on the 2 mm grid of the body crop, lesions where the truth says', () => {
    const c = prepareCase(patient);
    expect(c.modelGeometry.spacingMm).toEqual(MODEL_SPACING_MM);
    expect(c.image.length).toBe(c.dims[0] * c.dims[1] * c.dims[2]);
    // 380 mm field of view → at most 190 voxels at 2 mm; 160 mm of slices → 80.
    expect(c.dims[0]).toBeLessThanOrEqual(190);
    expect(c.dims[2]).toBe(80);
    // The lesion voxel at each lesion's centre carries that lesion's class.
    for (const [i, l] of c.lesions.entries()) {
      const [x, y, z] = l.centreVoxel.map(Math.round);
      const o = (z * c.dims[1] + y) * c.dims[0] + x;
      expect(c.lesionMap[o]).toBe(i + 1);
      expect(c.classes[o]).toBe(l.classValue);
    }
    // Liver volume (lesions included) on the 2 mm grid within 5 % of the phantom's.
    const truthMl = patient.truth.timepoints[0].liver.voxelizedVolumeMl;
    const modelMl = (c.classes.filter((v) => v > 0).length * 8) / 1000;
    expect(Math.abs(modelMl - truthMl) / truthMl).toBeLessThan(0.05);
  });
});
