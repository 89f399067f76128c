/**
 * The held-out test patients of a shipped model, rebuilt from its split.json: each patient
 * is regenerated with the phantom (same options and seed → the same bytes), written as
 * DICOM, with its reference as NIfTI (0 other, 1 liver, 2 metastasis, 3 cyst) and a
 * cohort.json, so `longitude validate` and the tests run the app's own pipeline on them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNiftiGz } from '../../main/services/nifti/niftiFile';
import { writePatient } from '../phantom/index';

export interface SplitPatient {
  index: number;
  patientId: string;
  seed: string;
  options: Record<string, unknown>;
}

export interface TrainingSplit {
  model: string;
  train: SplitPatient[];
  validation: SplitPatient[];
  test: SplitPatient[];
}

export function readSplit(modelDir: string): TrainingSplit {
  return JSON.parse(readFileSync(join(modelDir, 'split.json'), 'utf8')) as TrainingSplit;
}

/** Class of each phantom label value: liver 1, metastasis 2, cyst 3. */
export function phantomClassMap(lesions: { labelValue: number; type: string }[]): Uint8Array {
  const map = new Uint8Array(256);
  map[1] = 1;
  for (const l of lesions) map[l.labelValue] = l.type === 'metastasis' ? 2 : 3;
  return map;
}

/** Writes (or reuses) the cohort of one part of the split; returns its folder. */
export async function writeSplitCohort(modelDir: string, outDir: string, part: 'test' | 'validation' = 'test'): Promise<string> {
  const split = readSplit(modelDir);
  const cohortFile = join(outDir, 'cohort.json');
  if (existsSync(cohortFile)) return outDir;
  mkdirSync(outDir, { recursive: true });
  const cases = [];
  for (const p of split[part]) {
    const written = await writePatient(join(outDir, 'images'), { ...(p.options as object), writeLabels: true });
    const truth = JSON.parse(readFileSync(written.truthPath, 'utf8'));
    const tp = truth.timepoints[0];
    const labels = new Uint8Array(readFileSync(join(written.patientDir, tp.labelsFile)));
    const classes = phantomClassMap(tp.lesions);
    const reference = join(outDir, `${p.patientId}.nii.gz`);
    await writeNiftiGz(reference, labels.map((v) => classes[v]), tp.geometry);
    cases.push({ id: p.patientId, patientId: p.patientId, images: written.seriesDirs[0], reference });
  }
  writeFileSync(cohortFile, JSON.stringify({ model: split.model, part, cases }, null, 2));
  return outDir;
}
