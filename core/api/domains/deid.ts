/**
 * De-identification (issue 14): a library exam or patient exported as DICOM with the Basic
 * Application Level Confidentiality Profile of PS3.15 Annex E and the options of E.3, each patient
 * under a stable pseudonym with one date offset, UIDs replaced consistently (a SEG or SR still
 * points at its CT), every output searched byte by byte for the patient's identifying values
 * before anything is written (an export that still holds one is refused whole).
 */
import type { DeidOptions, DeidResult } from '../../deid/types';
import type { EventTable, MethodTable } from './spec';

export type { DeidOptions };

/** One option of PS3.15 E.3 as the user sees it: its switch, its CID 7050 code, and what it keeps. */
export interface DeidOptionInfo {
  key: keyof DeidOptions;
  /** The command line's name (`longitude deid --options <cli>,…`). */
  cli: string;
  /** CID 7050 code recorded in the De-identification Method Code Sequence, when it has one. */
  code: string | null;
  label: string;
  description: string;
  default: boolean;
}

export const DEID_OPTION_INFO: readonly DeidOptionInfo[] = [
  {
    key: 'retainLongitudinalModifiedDates',
    cli: 'retain-dates',
    code: '113107',
    label: 'Retain longitudinal dates, shifted',
    description: 'Every date of a patient is moved by the same number of days (1 to 3650 into the past), so intervals between exams stay exact; off, dates are removed.',
    default: true,
  },
  {
    key: 'retainPatientCharacteristics',
    cli: 'retain-patient-characteristics',
    code: '113108',
    label: 'Retain patient characteristics',
    description: "Sex, age, size, weight and similar are kept.",
    default: false,
  },
  {
    key: 'retainDeviceIdentity',
    cli: 'retain-device-identity',
    code: '113109',
    label: 'Retain device identity',
    description: 'Station name, device serial number and similar are kept.',
    default: false,
  },
  {
    key: 'cleanDescriptors',
    cli: 'clean-descriptors',
    code: '113105',
    label: 'Clean descriptors',
    description: "Free-text descriptions (study, series, comments) are kept with the patient's own identifying values removed; off, they are removed.",
    default: false,
  },
  {
    key: 'retainSafePrivate',
    cli: 'retain-safe-private',
    code: '113111',
    label: 'Retain safe private attributes',
    description: 'Private attributes known to be safe are kept (none are listed by default); off, every private attribute is removed.',
    default: false,
  },
  {
    key: 'includeBurnedIn',
    cli: 'include-burned-in',
    code: null,
    label: 'Include images with burned-in text',
    description: 'Images that may show identifying text in their pixels (Burned In Annotation YES, secondary captures, screenshots) are exported too; off, they are left out and listed.',
    default: false,
  },
];

/** An instance written: where from, where to, under which pseudonym and new SOP Instance UID. */
export interface DeidFileWritten {
  source: string;
  file: string;
  pseudonymId: string;
  sopInstanceUid: string;
  modality: string;
}

/** A file left out (burned-in annotation, …) or not read (not DICOM, a DICOMDIR, …), with why. */
export interface DeidFileLeftOut {
  source: string;
  reason: string;
}

/**
 * A patient of the export and the pseudonym it was given. Only in this result, for the local
 * user: never written with the export (the site's key map keeps the link).
 */
export interface DeidPatient {
  originalKey: string;
  patientId: string;
  patientName: string;
  pseudonymId: string;
  dateOffsetDays: number;
  files: number;
}

export interface DeidReport {
  /** The folder the export went to: `<outDir>/<pseudonym>/<study UID>/<series UID>/<SOP UID>.dcm`. */
  outDir: string;
  files: DeidFileWritten[];
  excluded: DeidFileLeftOut[];
  skipped: DeidFileLeftOut[];
  patients: DeidPatient[];
  /** Per action of Table E.1-1, the attributes touched (summed over the files written). */
  counts: DeidResult['counts'];
  options: DeidOptions;
  /** The search of the output bytes for identifying values: files, values and bytes searched. */
  check: { files: number; values: number; bytes: number };
  durationMs: number;
}

export interface DeidExamInput {
  /** Default `<home>/exports/deid-<pseudonym>-<time>`. */
  outDir?: string;
  options?: Partial<DeidOptions>;
  /** Also export the exam's SEG and SR (TID 1500) now and de-identify them with it (their references follow the CT's new UIDs). */
  withResults?: boolean;
}

export interface DeidApi {
  /** One exam of the library, de-identified (and its SEG/SR with `withResults`). */
  deidentifyStudy(input: DeidExamInput & { studyRowId: number }): Promise<DeidReport>;
  /** Every exam of a patient, under one pseudonym and one date offset. */
  deidentifyPatient(input: DeidExamInput & { patientRowId: number }): Promise<DeidReport>;
  /** The options, with their codes and defaults, for a client to offer. */
  deidOptions(): Promise<DeidOptionInfo[]>;
}

export const DEID_METHODS = {
  deidentifyStudy: {},
  deidentifyPatient: {},
  deidOptions: {},
} as const satisfies MethodTable<DeidApi>;

export type DeidEvents = Record<never, never>;
export const DEID_EVENTS = {} as const satisfies EventTable<DeidEvents>;
