/**
 * Research cohorts (issue 14): a named filter over the library (the language of
 * core/cohort/filter.ts, e.g. `site=liver and type=metastasis and response in (PR,CR)`), shown as
 * the patients, exams and lesions it matches, and exported de-identified with a patient-level
 * split (train/validation/test or k folds, reproducible from a seed): images (de-identified DICOM
 * or NIfTI), masks (SEG or NIfTI label maps), the lesion table as CSV, `splits.csv` and a
 * `manifest.json` with every file's SHA-256.
 */
import type { DeidOptions } from '../../deid/types';
import type { ReaderIdentity } from '../reader';
import type { EventTable, MethodTable } from './spec';

export interface Cohort {
  id: number;
  name: string;
  /** The filter as written. */
  where: string;
  createdAt: string;
  /** Who made it. */
  reader: ReaderIdentity | null;
}

export interface CohortPatientMatch {
  patientRowId: number;
  patientId: string;
  name: string;
  sex: string | null;
  /** RECIST 1.1 best overall response and the response at the last follow-up (null without an assessment). */
  response: string | null;
  lastResponse: string | null;
  /** The patient's exams that match, by date. */
  exams: { studyRowId: number; date: string | null; modality: string | null; scanner: string | null; ageYears: number | null }[];
  /** The patient's lesions that match. */
  lesions: { lesionId: number; label: string; site: string; type: string; role: string; reference: string | null; model: boolean; lineage: string[] }[];
}

export interface CohortShowResult {
  cohort: Cohort;
  /** The filter in canonical form. */
  filter: string;
  patients: CohortPatientMatch[];
  counts: { patients: number; exams: number; lesions: number };
}

export type CohortImages = 'dicom' | 'nifti';
export type CohortMasks = 'seg' | 'nifti';

export interface CohortExportInput {
  name: string;
  /** A folder that does not exist yet, or is empty; written whole or not at all. */
  out: string;
  /** Default nifti. DICOM images are de-identified (PS3.15 Annex E). */
  images?: CohortImages;
  /** Default nifti (label maps, one value per lesion, documented in the manifest). SEG is de-identified like the images. */
  masks?: CohortMasks;
  /** Fractions of patients, e.g. [70, 15, 15] (train/validation/test) or "70/15/15" or "train=80,test=20". */
  split?: number[] | string;
  /** k-fold cross-validation by patient instead of a split. */
  folds?: number;
  /** Any text; the same seed and cohort give the same split. Default: a random one, recorded in the manifest. */
  seed?: string;
  /** A patient-level field to balance the parts on (response, lastResponse, sex, type, site, …). */
  stratify?: string;
  /** De-identification options for DICOM images and SEG (PS3.15 E.3). */
  deid?: Partial<DeidOptions>;
}

export interface CohortExportResult {
  out: string;
  manifest: string;
  patients: number;
  exams: number;
  lesions: number;
  files: number;
  bytes: number;
  /** The seed of the split (given or made up and recorded); null without a split. */
  seed: string | null;
  /** Patients per part (train/validation/test, fold-1 …; 'all' without a split). */
  splits: Record<string, number>;
  /** What could not be exported, each with why (an image on a sheared grid, a mask on another series, …). */
  warnings: string[];
}

export interface CohortsApi {
  /** Save a named filter (checked first: an invalid filter is refused, naming the position and the field). */
  createCohort(input: { name: string; where: string }): Promise<Cohort>;
  listCohorts(): Promise<Cohort[]>;
  /** Run the cohort's filter on the library now. */
  showCohort(input: { name: string }): Promise<CohortShowResult>;
  deleteCohort(input: { name: string }): Promise<{ deleted: string }>;
  /** Export the cohort for research, de-identified, split by patient. */
  exportCohort(input: CohortExportInput): Promise<CohortExportResult>;
}

export const COHORTS_METHODS = {
  createCohort: {},
  listCohorts: {},
  showCohort: {},
  deleteCohort: {},
  exportCohort: {},
} as const satisfies MethodTable<CohortsApi>;

export type CohortsEvents = Record<never, never>;
export const COHORTS_EVENTS = {} as const satisfies EventTable<CohortsEvents>;
