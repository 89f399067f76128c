import { describe, expect, it } from 'vitest';
import { defaultForm, validationInput } from './validationForm';

const models = [
  { id: 'longitude-liver-lesions', version: '1.0.0', valid: true },
  { id: 'broken', version: '0.1.0', valid: false },
];

describe('validation form', () => {
  it('turns the defaults and a cohort into the API input (whole cohort, IoU 0.1, lesions ≥ 10 mm)', () => {
    const r = validationInput({ ...defaultForm('longitude-liver-lesions@1.0.0'), cohortDir: ' /data/cohort ' }, models);
    expect(r).toEqual({
      ok: true,
      input: { modelId: 'longitude-liver-lesions', modelVersion: '1.0.0', cohortDir: '/data/cohort', iouThreshold: 0.1, minLesionDiameterMm: 10, bootstrapResamples: 1000, seed: 42 },
    });
  });

  it('sends a k-fold split with the fold counted from 0, as the API does', () => {
    const r = validationInput({ ...defaultForm('longitude-liver-lesions@1.0.0'), cohortDir: '/c', splitKind: 'kfold', k: '5', fold: '5', seed: '3' }, models);
    expect(r.ok && r.input.split).toEqual({ kind: 'kfold', k: 5, fold: 4, seed: 3 });
  });

  it('sends a split by fractions with the part chosen', () => {
    const r = validationInput({ ...defaultForm('longitude-liver-lesions@1.0.0'), cohortDir: '/c', splitKind: 'fractions', part: 'validation' }, models);
    expect(r.ok && r.input.split).toEqual({ kind: 'fractions', train: 0.7, validation: 0.15, test: 0.15, part: 'validation', seed: 42 });
  });

  it('names every field to fix', () => {
    const r = validationInput(
      { ...defaultForm('broken@0.1.0'), splitKind: 'fractions', train: '0.7', validation: '0.2', test: '0.2', iouThreshold: '0', minDiameterMm: '-1', bootstrapResamples: '10' },
      models,
    );
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors).toHaveLength(6);
    expect(errors[0]).toMatch(/^Model: broken 0.1.0 did not pass its checks/);
    expect(errors[1]).toMatch(/^Cohort folder/);
    expect(errors[2]).toBe('Split: the fractions add up to 1.100; they must add up to 1.');
    expect(errors[3]).toMatch(/^IoU threshold/);
    expect(errors[4]).toMatch(/^Minimum diameter/);
    expect(errors[5]).toMatch(/^Bootstrap resamples/);
  });

  it('refuses a fold outside 1 … k and an empty part', () => {
    const kf = validationInput({ ...defaultForm('longitude-liver-lesions@1.0.0'), cohortDir: '/c', splitKind: 'kfold', k: '5', fold: '0' }, models);
    expect(kf.ok ? [] : kf.errors).toEqual(['Fold: a whole number from 1 to 5.']);
    const fr = validationInput({ ...defaultForm('longitude-liver-lesions@1.0.0'), cohortDir: '/c', splitKind: 'fractions', train: '0.8', validation: '0.2', test: '0' }, models);
    expect(fr.ok ? [] : fr.errors).toEqual(['Split: the test part is empty (fraction 0).']);
  });
});
