/**
 * The shipped model, run by the workstation's pipeline (inference process, onnxruntime-node,
 * CPU) on the phantom test patients it never saw (its split.json), reaches the Dice its
 * model card states (within 0.02) and finds every lesion of 10 mm or more.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../core/models/manifest';
import { cardFigures, validateShipped } from './card';
import { readSplit, writeSplitCohort } from './testCohort';

const MODEL_DIR = fileURLToPath(new URL('../../resources/models/longitude-liver-lesions', import.meta.url));
const TOTALSEG = fileURLToPath(new URL('../../../shared/data/totalsegmentator', import.meta.url));

describe('the shipped model longitude-liver-lesions', () => {
  it('is a complete model folder: weights ≤ 20 MB, a valid manifest with a card, a model card, a patient-level split', () => {
    for (const f of ['model.onnx', 'model.json', 'MODEL_CARD.md', 'split.json']) expect(existsSync(join(MODEL_DIR, f)), f).toBe(true);
    expect(readFileSync(join(MODEL_DIR, 'model.onnx')).length).toBeLessThanOrEqual(20 * 2 ** 20);
    const check = validateManifest(JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8')));
    expect(check.ok ? [] : check.errors).toEqual([]);
    if (!check.ok) return;
    expect(check.value.card?.notForClinicalUse).toBe(true);
    expect(readFileSync(join(MODEL_DIR, 'MODEL_CARD.md'), 'utf8')).toMatch(/not for clinical use/i);
    const split = readSplit(MODEL_DIR);
    const ids = (part: 'train' | 'validation' | 'test') => new Set(split[part].map((p) => p.patientId));
    const [train, val, test] = [ids('train'), ids('validation'), ids('test')];
    for (const id of test) expect(train.has(id) || val.has(id), `${id} is in two parts`).toBe(false);
    expect(test.size).toBeGreaterThan(0);
  });

  it('reaches its card Dice (± 0.02) on the held-out test patients and finds every lesion ≥ 10 mm', async () => {
    const card = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8')).card as { testDice: number; testDiceLiver?: number };
    const cohort = await writeSplitCohort(MODEL_DIR, join(tmpdir(), 'longitude-longitude-liver-lesions-test-cohort-v1'));
    const report = await validateShipped(MODEL_DIR, cohort);
    expect(report.error).toBeNull();
    const figures = cardFigures(report);
    expect(Math.abs(figures.testDice! - card.testDice)).toBeLessThanOrEqual(0.02);
    if (card.testDiceLiver !== undefined) expect(Math.abs(figures.testDiceLiver! - card.testDiceLiver)).toBeLessThanOrEqual(0.02);
    for (const c of report.cases) {
      const missed = c.lesions.filter((l) => !l.detected);
      expect(missed.map((l) => `${c.caseId}: ${l.diameterMm.toFixed(1)} mm`)).toEqual([]);
      expect(c.provider).toBe('cpu');
    }
  }, 900_000);

  it('on a real CT (TotalSegmentator example, 20 JPEG 2000 slices) its liver agrees with TotalSegmentator\'s', async () => {
    // Real third-party data, and a domain shift: the model saw phantoms only. The reference is
    // TotalSegmentator's own output (label 5 = liver), not ground truth; its NIfTI rows run the
    // other way from the DICOM, so a wrong reorientation would give a Dice near 0.
    const dir = mkdtempSync(join(tmpdir(), 'lng-realct-'));
    try {
      mkdirSync(join(dir, 'cohort'));
      writeFileSync(
        join(dir, 'cohort', 'cohort.json'),
        JSON.stringify({ cases: [{ id: 'totalseg', images: join(TOTALSEG, 'example_ct_dicom'), reference: join(TOTALSEG, 'example_seg_dicom.nii.gz') }], labelMap: { 5: 1 } }),
      );
      const report = await validateShipped(MODEL_DIR, join(dir, 'cohort'));
      expect(report.error).toBeNull();
      const liver = report.cases[0].structures.find((x) => x.name === 'liver with its lesions')!;
      expect(liver.referenceMl).toBeGreaterThan(100);
      expect(liver.dice).toBeGreaterThan(0.7);
      // No lesion in the reference: whatever the model calls a lesion here is a false positive.
      expect(report.cases[0].detection.truePositives).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
