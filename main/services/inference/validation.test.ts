import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VolumeGeometry } from '../../../core/api/types';
import { encodeMaskRle } from '../../../core/api/maskRle';
import type { ModelManifest } from '../../../core/models/manifest';
import { writePatient } from '../../../tools/phantom/index';
import { createApp, type App } from '../app';
import { writeNiftiGz } from '../nifti/niftiFile';
import { intervalDefined } from '../../../core/metrics';
import { ci as ciText, formatValidationReport } from '../../validateCli';
import { asProposed, caseMetrics, overallMetrics, selectCases } from './validation';

const TESTDATA = fileURLToPath(new URL('./testdata', import.meta.url));
const DCMQI = join(__dirname, '..', '..', '..', '..', 'shared', 'data', 'dcmqi');

const ID: VolumeGeometry['direction'] = [1, 0, 0, 0, 1, 0, 0, 0, 1];

function twoClassManifest(): ModelManifest {
  return {
    id: 'm',
    version: '1',
    sha256: '0'.repeat(64),
    task: 'segmentation',
    labels: [
      { value: 0, name: 'background', role: 'background' },
      { value: 1, name: 'liver', role: 'organ' },
      { value: 2, name: 'metastasis', role: 'lesion', lesionType: 'metastasis' },
      { value: 3, name: 'cyst', role: 'lesion', lesionType: 'cyst' },
    ],
    input: { name: 'x', spacingMm: [1, 1, 1], orientation: 'LPS', channels: 1, normalization: { type: 'none' }, patchSize: [4, 4, 4], overlap: 0 },
    output: { name: 'y', activation: 'softmax', kind: 'logits', channels: 4 },
  };
}

describe('caseMetrics and overallMetrics (known answers)', () => {
  // A 12×4×1 row of voxels, 1 mm: reference lesions at x 0–2 (metastasis) and 6–8 (cyst);
  // the prediction has x 1–3 as metastasis and 9–10 as a false positive cyst.
  const g: VolumeGeometry = { dims: [12, 4, 1], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: ID };
  const ref = new Uint8Array(48);
  const pred = new Uint8Array(48);
  for (let y = 0; y < 4; y++) {
    for (const x of [0, 1, 2]) ref[y * 12 + x] = 2;
    for (const x of [6, 7, 8]) ref[y * 12 + x] = 3;
    for (const x of [1, 2, 3]) pred[y * 12 + x] = 2;
    for (const x of [9, 10]) pred[y * 12 + x] = 3;
  }
  const draftMask = (xs: number[]) => {
    const m = new Uint8Array(48);
    for (let y = 0; y < 4; y++) for (const x of xs) m[y * 12 + x] = 1;
    return encodeMaskRle(m);
  };
  const drafts = [
    { kind: 'lesion', labelValue: 2, classProbabilities: [{ labelValue: 2, probability: 0.8 }, { labelValue: 3, probability: 0.2 }], mask: draftMask([1, 2, 3]) },
    { kind: 'lesion', labelValue: 3, classProbabilities: [{ labelValue: 3, probability: 0.9 }, { labelValue: 2, probability: 0.1 }], mask: draftMask([9, 10]) },
  ];
  const w = caseMetrics({ id: 'c1', patientId: 'p1', referenceFile: 'r' }, ref, pred, g, twoClassManifest(), drafts, { minIou: 0.1, minDiameterMm: 0, provider: 'cpu', durationMs: 1 });

  it('overlap per structure: metastasis |A|=12, |B|=12, |A∩B|=8 → Dice 8/12, IoU 8/16', () => {
    const met = w.result.structures.find((s) => s.name === 'metastasis')!;
    expect(met.dice).toBeCloseTo(2 * 8 / 24, 12);
    expect(met.iou).toBeCloseTo(8 / 16, 12);
    expect(met.referenceMl).toBeCloseTo(0.012, 12);
    // Cyst: reference 12 voxels, prediction 8, none shared.
    expect(w.result.structures.find((s) => s.name === 'cyst')!.dice).toBe(0);
    // All lesions: |A| 24, |B| 20, |A∩B| 8 → 16/44.
    expect(w.result.structures.find((s) => s.name === 'lesions (all classes)')!.dice).toBeCloseTo(16 / 44, 12);
    // No liver anywhere: both empty, Dice 1 by definition, flagged.
    expect(w.result.structures.find((s) => s.name === 'liver')).toMatchObject({ bothEmpty: true, dice: 1 });
  });

  it('lesion detection: the metastasis is found (IoU 0.5), the cyst missed; the x 9–10 blob touches the cyst at x 8?', () => {
    // x 9–10 is 26-adjacent to x 8 in the PREDICTION only if it contained x 8; it does not,
    // and components are per volume, so: reference {0–2}, {6–8}; prediction {1–3}, {9–10}.
    expect(w.result.detection).toMatchObject({ truePositives: 1, falseNegatives: 1, falsePositives: 1, sensitivity: 0.5, precision: 0.5, f1: 0.5 });
    expect(w.result.lesions.map((l) => [l.referenceLabel, l.detected, l.predictedLabel])).toEqual([
      [2, true, 2],
      [3, false, null],
    ]);
  });

  it('classification pools the detected lesions; overall has CIs around the estimate', () => {
    expect(w.classified).toEqual([{ truthLabel: 2, predictedLabel: 2, positiveProbability: 0.8 }]);
    // A second case with a correctly classified cyst (p(metastasis) 0.3).
    const ref2 = new Uint8Array(48);
    for (let y = 0; y < 4; y++) for (const x of [4, 5, 6]) ref2[y * 12 + x] = 3;
    const w2 = caseMetrics({ id: 'c2', patientId: 'p2', referenceFile: 'r' }, ref2, ref2, g, twoClassManifest(), [
      { kind: 'lesion', labelValue: 3, classProbabilities: [{ labelValue: 3, probability: 0.7 }, { labelValue: 2, probability: 0.3 }], mask: draftMask([4, 5, 6]) },
    ], { minIou: 0.1, minDiameterMm: 0, provider: 'cpu', durationMs: 1 });
    const o = overallMetrics([w, w2], twoClassManifest(), { resamples: 200, seed: 3 });
    expect(o.detection).toMatchObject({ truePositives: 2, falseNegatives: 1, falsePositives: 1 });
    expect(o.detection.sensitivity!.value).toBeCloseTo(2 / 3, 12);
    expect(o.detection.sensitivity!.low).toBeLessThanOrEqual(2 / 3);
    expect(o.detection.sensitivity!.high).toBeGreaterThanOrEqual(2 / 3);
    expect(o.detection.falsePositivesPerCase.value).toBe(0.5);
    const c = o.classification!;
    expect(c.positiveClass).toBe('metastasis');
    expect(c.confusion.matrix).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(c.sensitivity).toBe(1);
    expect(c.specificity).toBe(1);
    expect(c.auc!.value).toBe(1);
    // Liver was empty in both cases: left out of its mean.
    expect(o.structures.find((s) => s.name === 'liver')!.cases).toBe(0);
  });

  it('over one case there is no confidence interval (not a degenerate one): the bounds are missing and the printout says n/a', () => {
    const o = overallMetrics([w], twoClassManifest(), { resamples: 200, seed: 3 });
    const cis = [...o.structures.flatMap((s) => [s.meanDice, s.meanIou]), o.detection.sensitivity!, o.detection.precision!, o.detection.falsePositivesPerCase];
    for (const c of cis) expect(intervalDefined(c.low, c.high)).toBe(false);
    expect(o.detection.sensitivity!.value).toBe(0.5);
    // The stored report (JSON) has null bounds.
    const stored = JSON.parse(JSON.stringify(o)) as typeof o;
    expect(stored.detection.sensitivity).toEqual({ value: 0.5, low: null, high: null });
    expect(ciText(o.detection.sensitivity)).toBe('0.500 (95% CI n/a)');
    expect(ciText(stored.detection.sensitivity)).toBe('0.500 (95% CI n/a)');
    const report = {
      id: 1,
      modelId: 'm',
      modelVersion: '1',
      modelSha256: '0'.repeat(64),
      cohortDir: '/c',
      parameters: {},
      status: 'done' as const,
      error: null,
      progress: { done: 1, total: 1 },
      createdAt: 't',
      finishedAt: 't',
      matchRule: 'IoU ≥ 0.1',
      cases: [w.result],
      overall: stored,
    };
    const text = formatValidationReport(report);
    expect(text).toContain('sensitivity 0.500 (95% CI n/a)');
    expect(text).toContain('false positives per case 1.000 (95% CI n/a)');
    // No interval printed anywhere, degenerate or not.
    expect(text).not.toMatch(/\d–\d/);
    // Two cases give real intervals again.
    const two = overallMetrics([w, w], twoClassManifest(), { resamples: 200, seed: 3 });
    expect(intervalDefined(two.detection.sensitivity!.low, two.detection.sensitivity!.high)).toBe(true);
    expect(ciText(two.detection.sensitivity)).toMatch(/^0\.500 \(95% CI 0\.500–0\.500\)$/);
  });

  it('judges the prediction as proposed: small lesion blobs dropped, the organ its largest component with its lesions', () => {
    // Row of 12: liver 0–4 with a metastasis at 2, a stray liver blob at 8–9, a lone cyst voxel at 11.
    const labels = Uint8Array.from([1, 1, 2, 1, 1, 0, 0, 0, 1, 1, 0, 3]);
    const g1: VolumeGeometry = { dims: [12, 1, 1], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: ID };
    // 0.0005 mL: the metastasis (1 voxel = 0.001 mL) stays, nothing smaller exists → only the organ rule acts.
    expect(Array.from(asProposed(labels, g1, twoClassManifest(), 0.0005))).toEqual([1, 1, 2, 1, 1, 0, 0, 0, 0, 0, 0, 3]);
    // 0.002 mL: both one-voxel lesions go; in one row the emptied voxel cuts the liver in two
    // equal pieces, and the first found is kept.
    expect(Array.from(asProposed(labels, g1, twoClassManifest(), 0.002))).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('selects cases by patient: fractions and folds, reproducibly', () => {
    const cases = Array.from({ length: 20 }, (_, i) => ({ patientId: `P${Math.floor(i / 2)}` }));
    const test = selectCases(cases, { kind: 'fractions', train: 0.8, validation: 0.1, test: 0.1, part: 'test', seed: 7 });
    expect(test).toHaveLength(2);
    expect(cases[test[0]].patientId).toBe(cases[test[1]].patientId);
    expect(selectCases(cases, { kind: 'fractions', train: 0.8, validation: 0.1, test: 0.1, part: 'test', seed: 7 })).toEqual(test);
    const folds = [0, 1, 2, 3, 4].flatMap((fold) => selectCases(cases, { kind: 'kfold', k: 5, fold, seed: 1 }));
    expect(folds.sort((a, b) => a - b)).toEqual(cases.map((_, i) => i));
  });
});

describe('validateModel on real cohorts', () => {
  let service: App;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lng-val-'));
    service = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 1, appModelsDir: TESTDATA });
  });
  afterAll(async () => {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the dcmqi liver SEG as a cohort reference, placed on the real CT (70.36 mL)', async () => {
    const cohort = join(dir, 'dcmqi');
    mkdirSync(cohort);
    writeFileSync(join(cohort, 'cohort.json'), JSON.stringify({ cases: [{ id: 'dcmqi-liver', images: join(DCMQI, 'ct-3slice'), reference: join(DCMQI, 'liver.dcm') }] }));
    const started = await service.validateModel({ modelId: 'test-threshold', cohortDir: cohort, bootstrapResamples: 50 });
    expect(started.status).toBe('running');
    const report = await waitFor(service, started.id);
    expect(report.error).toBeNull();
    expect(report.cases).toHaveLength(1);
    // The SEG segment (number 1, "Liver") is compared with the model's label 1.
    const s = report.cases[0].structures[0];
    expect(s.referenceMl).toBeCloseTo(70.36193, 3);
    expect(s.bothEmpty).toBe(false);
    expect(report.cases[0].provider).toBe('cpu');
    expect(report.matchRule).toMatch(/IoU .* at least 0\.1.*at least 10 mm/);
  }, 120_000);

  it('a phantom cohort with NIfTI references: the test model finds the cysts ≥ 10 mm; stored and listed', async () => {
    const cohort = join(dir, 'phantoms');
    const cases = [];
    for (const n of [1, 2]) {
      const written = await writePatient(join(cohort, 'images'), { seed: `val-${n}`, size: 128, slices: 50, sliceMm: 3, timepoints: 1, patientId: `VAL-${n}`, writeLabels: true });
      const truth = JSON.parse(readFileSync(written.truthPath, 'utf8'));
      const tp = truth.timepoints[0];
      const labels = new Uint8Array(readFileSync(join(written.patientDir, tp.labelsFile)));
      const cystValues = new Set(tp.lesions.filter((l: { type: string }) => l.type === 'cyst').map((l: { labelValue: number }) => l.labelValue));
      const ref = labels.map((v) => (cystValues.has(v) ? 1 : 0));
      const file = join(cohort, `ref-${n}.nii.gz`);
      await writeNiftiGz(file, ref, tp.geometry);
      cases.push({ id: `case-${n}`, patientId: `VAL-${n}`, images: written.seriesDirs[0], reference: file });
    }
    writeFileSync(join(cohort, 'cohort.json'), JSON.stringify({ cases }));
    const started = await service.validateModel({ modelId: 'test-threshold', cohortDir: cohort, bootstrapResamples: 100 });
    const report = await waitFor(service, started.id);
    expect(report.error).toBeNull();
    expect(report.cases.map((c) => c.caseId)).toEqual(['case-1', 'case-2']);
    for (const c of report.cases) {
      for (const l of c.lesions) expect(l.detected, `${c.caseId} cyst of ${l.diameterMm.toFixed(1)} mm`).toBe(true);
      // Fat and lung are below 25 HU too: the threshold model has false positives.
      expect(c.detection.falsePositives).toBeGreaterThan(0);
    }
    expect(report.overall!.detection.sensitivity!.value).toBe(1);
    const fp = report.overall!.detection.falsePositivesPerCase;
    expect(fp.low).toBeLessThanOrEqual(fp.value);
    expect(fp.high).toBeGreaterThanOrEqual(fp.value);
    expect(report.overall!.classification).toBeNull(); // one lesion class only
    expect((await service.listValidations()).map((v) => v.id)).toContain(report.id);
    expect((await service.getValidation(report.id)).status).toBe('done');
  }, 240_000);

  it('names a bad cohort', async () => {
    await expect(service.validateModel({ modelId: 'test-threshold', cohortDir: join(dir, 'nope') })).rejects.toThrow(/is not a folder/);
    const empty = join(dir, 'empty-case');
    mkdirSync(join(empty, 'c1'), { recursive: true });
    await expect(service.validateModel({ modelId: 'test-threshold', cohortDir: empty })).rejects.toThrow(/needs exactly one reference .* it has none/);
  });
});

async function waitFor(service: App, id: number) {
  for (;;) {
    const r = await service.getValidation(id);
    if (r.status !== 'running') return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}

