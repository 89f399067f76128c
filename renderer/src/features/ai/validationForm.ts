/**
 * The validation form as plain data, and its check: what the reader typed becomes a
 * ValidateModelInput, or a list of what to fix (in the reader's words, naming the field).
 */
import type { CohortSplit, ModelInfo, ValidateModelInput } from '../../../../core/api/types';
import { modelKey } from './aiText';

export type SplitKind = 'none' | 'fractions' | 'kfold';
export type SplitPart = 'train' | 'validation' | 'test';

/** Form fields as typed (strings), so a half-typed number is not lost. */
export interface ValidationForm {
  modelKey: string;
  cohortDir: string;
  splitKind: SplitKind;
  train: string;
  validation: string;
  test: string;
  part: SplitPart;
  k: string;
  /** 1-based on screen (fold 1 of 5); the API counts from 0. */
  fold: string;
  /** Of the split and of the bootstrap resampling. */
  seed: string;
  iouThreshold: string;
  minDiameterMm: string;
  bootstrapResamples: string;
}

/** The defaults of the API (IoU 0.1, lesions ≥ 10 mm as RECIST measurable, 1000 resamples). */
export function defaultForm(modelKeyValue = ''): ValidationForm {
  return {
    modelKey: modelKeyValue,
    cohortDir: '',
    splitKind: 'none',
    train: '0.7',
    validation: '0.15',
    test: '0.15',
    part: 'test',
    k: '5',
    fold: '1',
    seed: '42',
    iouThreshold: '0.1',
    minDiameterMm: '10',
    bootstrapResamples: '1000',
  };
}

function num(text: string): number {
  return text.trim() === '' ? NaN : Number(text);
}

export type FormResult = { ok: true; input: ValidateModelInput } | { ok: false; errors: string[] };

export function validationInput(form: ValidationForm, models: Pick<ModelInfo, 'id' | 'version' | 'valid'>[]): FormResult {
  const errors: string[] = [];
  const model = models.find((m) => modelKey(m) === form.modelKey);
  if (!model) errors.push('Model: choose a model to validate.');
  else if (!model.valid) errors.push(`Model: ${model.id} ${model.version} did not pass its checks and cannot be run.`);
  const cohortDir = form.cohortDir.trim();
  if (!cohortDir) errors.push('Cohort folder: type the path of the cohort on this workstation (a folder with cohort.json, or one sub-folder per case).');

  const seed = num(form.seed);
  if (!Number.isInteger(seed)) errors.push('Seed: a whole number (the same seed gives the same split and confidence intervals).');
  let split: CohortSplit | undefined;
  if (form.splitKind === 'fractions') {
    const f = { train: num(form.train), validation: num(form.validation), test: num(form.test) };
    const bad = (Object.keys(f) as SplitPart[]).filter((k) => !(f[k] >= 0 && f[k] <= 1));
    if (bad.length) errors.push(`Split: ${bad.join(', ')} must be a fraction between 0 and 1.`);
    else if (Math.abs(f.train + f.validation + f.test - 1) > 1e-3)
      errors.push(`Split: the fractions add up to ${(f.train + f.validation + f.test).toFixed(3)}; they must add up to 1.`);
    else if (f[form.part] === 0) errors.push(`Split: the ${form.part} part is empty (fraction 0).`);
    split = { kind: 'fractions', ...f, part: form.part, seed };
  } else if (form.splitKind === 'kfold') {
    const k = num(form.k);
    const fold = num(form.fold);
    if (!Number.isInteger(k) || k < 2) errors.push('Folds: k must be a whole number of at least 2.');
    else if (!Number.isInteger(fold) || fold < 1 || fold > k) errors.push(`Fold: a whole number from 1 to ${k}.`);
    split = { kind: 'kfold', k, fold: fold - 1, seed };
  }

  const iou = num(form.iouThreshold);
  if (!(iou > 0 && iou <= 1)) errors.push('IoU threshold: a number above 0 and at most 1 (a reference lesion counts as found when a predicted one overlaps it at least this much).');
  const minDiameterMm = num(form.minDiameterMm);
  if (!(minDiameterMm >= 0)) errors.push('Minimum diameter: 0 mm or more (0 counts every reference lesion).');
  const resamples = num(form.bootstrapResamples);
  if (!Number.isInteger(resamples) || resamples < 100) errors.push('Bootstrap resamples: a whole number of at least 100.');

  if (errors.length || !model) return { ok: false, errors };
  return {
    ok: true,
    input: {
      modelId: model.id,
      modelVersion: model.version,
      cohortDir,
      ...(split ? { split } : {}),
      iouThreshold: iou,
      minLesionDiameterMm: minDiameterMm,
      bootstrapResamples: resamples,
      seed,
    },
  };
}
