/**
 * De-identification per DICOM PS3.15 Annex E (Table E.1-1, the Basic Application Level
 * Confidentiality Profile and its options): the shapes shared by the pure engine
 * (core/deid/) and the file and library side (main/services/deid/).
 */

/** Options of PS3.15 E.3, with their CID 7050 codes (recorded in De-identification Method Code Sequence). */
export interface DeidOptions {
  /** 113107 Retain Longitudinal Temporal Information with Modified Dates: one offset per patient. */
  retainLongitudinalModifiedDates: boolean;
  /** 113108 Retain Patient Characteristics (sex, age, size, weight, …). */
  retainPatientCharacteristics: boolean;
  /** 113109 Retain Device Identity. */
  retainDeviceIdentity: boolean;
  /** 113105 Clean Descriptors: free text kept with the patient's own identifying values removed. */
  cleanDescriptors: boolean;
  /** 113111 Retain Safe Private: private attributes known to be safe kept (none are listed by default). */
  retainSafePrivate: boolean;
  /** Keep images that may carry burned-in identifying text (Burned In Annotation YES, secondary captures, screenshots). */
  includeBurnedIn: boolean;
}

export const DEFAULT_DEID_OPTIONS: DeidOptions = {
  retainLongitudinalModifiedDates: true,
  retainPatientCharacteristics: false,
  retainDeviceIdentity: false,
  cleanDescriptors: false,
  retainSafePrivate: false,
  includeBurnedIn: false,
};

/**
 * A dataset as dcmjs's DicomMessage gives it (denaturalized): keys are 8 hex digits (group and
 * element, upper case), values { vr, Value } with sequences as Value: DicomDict[].
 */
export interface DicomElement {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}
export type DicomDict = Record<string, DicomElement>;

/**
 * Everything about one patient that must be the same in every export: computed by the caller
 * from the site's secret (an HMAC), so the engine stays pure and deterministic.
 */
export interface PatientPseudonym {
  /** The new Patient ID (and Patient's Name, unless `pseudonymName` differs). */
  pseudonymId: string;
  pseudonymName: string;
  /** Days added to every date and date-time of this patient (negative: into the past). */
  dateOffsetDays: number;
  /** The replacement of a UID (Study, Series, SOP, Frame of Reference, any UID-valued attribute): the same input, the same output. */
  uid(original: string): string;
}

export interface DeidInput {
  dataset: DicomDict;
  /** The File Meta Information (its Media Storage SOP Instance UID is remapped with the dataset). */
  meta?: DicomDict;
  options: DeidOptions;
  pseudonym: PatientPseudonym;
  /** The patient's own identifying values (name parts, ID, other IDs, birth date, addresses, …): removed from kept free text. */
  identifyingValues: string[];
  /** Software, for Deidentification Method (0012,0063). */
  software: string;
  /**
   * The private attributes a site has judged safe, kept under Retain Safe Private (default:
   * SAFE_PRIVATE_ATTRIBUTES of core/deid/safePrivate.ts, which is empty: every private attribute goes).
   */
  safePrivateAttributes?: readonly SafePrivateAttribute[];
}

/** One private attribute known to be safe (PS3.15 E.3.10), named as PS3.5 7.8.1 reserves it: by creator and block offset. */
export interface SafePrivateAttribute {
  /** The Private Creator value of its block, compared with surrounding spaces trimmed, e.g. "SIEMENS CT VA0  COAD". */
  creator: string;
  /** The odd group, e.g. 0x0019. */
  group: number;
  /** The element's offset in its block (0x00–0xFF): 0x0C for (0019,xx0C). */
  element: number;
  /** What it is, for the reader of the list. */
  name?: string;
}

export interface DeidResult {
  dataset: DicomDict;
  meta?: DicomDict;
  /** Left out (not de-identified) and why, e.g. burned-in annotation. */
  excluded: string | null;
  /** Per action, how many attributes it touched (D, Z, X, K, C, U), and private attributes removed. */
  counts: Record<'D' | 'Z' | 'X' | 'K' | 'C' | 'U' | 'private', number>;
}
