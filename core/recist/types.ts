/**
 * RECIST 1.1 case input and assessment output: plain, JSON-serialisable data.
 *
 * Input form (what `recist --input case.json` reads and the UI builds):
 *
 *   lesions[]            { id, organ, role: 'target' | 'non-target' | 'new', lymphNode }
 *   timepoints[]         the first one is the baseline; dates strictly increasing
 *     date               'YYYY-MM-DD'
 *     sliceIntervalMm?   reconstruction interval of the exam; > 5 mm raises the measurability floor
 *     target             lesion id → one of
 *                          { longAxisMm, shortAxisMm?, sliceIntervalMm? }   measured (nodes: shortAxisMm required)
 *                          { status: 'disappeared' | 'too-small' | 'not-evaluated' }
 *                          { fragments: [{ longAxisMm, shortAxisMm? }, ...] }  a target that split
 *                          { mergedInto: 'L2' }                              coalesced into target L2
 *     nonTarget?         lesion id → 'present' | 'absent' | 'unequivocal-progression' | 'not-evaluated'
 *                          or, for a lymph node, { shortAxisMm } (< 10 mm reads as absent, i.e. normal)
 *     newLesions?        boolean, or the ids of lesions declared with role 'new' seen on this exam
 *     equivocalNewLesions?  ids of lesions declared 'new' seen on this exam but equivocal: not PD
 *                        unless a later exam lists the lesion in newLesions (it is confirmed), and
 *                        then PD is dated from this exam (RECIST 1.1 §4.3.5)
 *   options?             RecistOptions, overridable by the caller
 *
 * Anything else (an unknown id, six targets, a target below the measurable size at baseline …)
 * is rejected by `validateRecistCase` with a message naming the item.
 */
import type { RecistRole } from '../api/types';

export interface RecistLesion {
  id: string;
  /** Free text ('liver', 'lung' …). All lymph nodes count as one organ for the 2-per-organ limit. */
  organ: string;
  role: RecistRole;
  lymphNode: boolean;
}

/** One caliper measurement. Non-nodal lesions are followed by the long axis, nodes by the short axis. */
export interface DiameterMeasurement {
  longAxisMm?: number;
  shortAxisMm?: number;
  /** Overrides the timepoint's slice interval for this lesion. */
  sliceIntervalMm?: number;
}

export type TargetStatus = 'disappeared' | 'too-small' | 'not-evaluated';

export type TargetEntry = DiameterMeasurement | { status: TargetStatus } | { fragments: DiameterMeasurement[] } | { mergedInto: string };

export type NonTargetStatus = 'present' | 'absent' | 'unequivocal-progression' | 'not-evaluated';

export type NonTargetEntry = NonTargetStatus | { shortAxisMm: number };

export interface RecistTimepoint {
  date: string;
  sliceIntervalMm?: number;
  target: Record<string, TargetEntry>;
  nonTarget?: Record<string, NonTargetEntry>;
  newLesions?: boolean | string[];
  /** New lesions seen here but equivocal (RECIST 1.1 §4.3.5): PD only once a later exam confirms them. */
  equivocalNewLesions?: string[];
}

export interface RecistOptions {
  /** Diameter assigned to a target that is present but too small to measure (RECIST 1.1 default 5 mm). */
  tooSmallMm: number;
  /** Require confirmation of CR/PR for the best overall response (non-randomised trials). */
  requireConfirmation: boolean;
  /** Minimum interval between a CR/PR and the assessment that confirms it. */
  confirmationMinDays: number;
  /** Minimum interval from baseline for SD (or non-CR/non-PD) to count as best response. */
  sdMinDays: number;
}

export const DEFAULT_RECIST_OPTIONS: Readonly<RecistOptions> = Object.freeze({
  tooSmallMm: 5,
  requireConfirmation: false,
  confirmationMinDays: 28,
  sdMinDays: 42,
});

export interface RecistCase {
  lesions: RecistLesion[];
  timepoints: RecistTimepoint[];
  options?: Partial<RecistOptions>;
}

/** 'NA': no lesions of that category were declared at baseline. */
export type TargetResponse = 'CR' | 'PR' | 'SD' | 'PD' | 'NE' | 'NA';
export type NonTargetResponse = 'CR' | 'non-CR/non-PD' | 'PD' | 'NE' | 'NA';
export type OverallResponse = 'CR' | 'PR' | 'SD' | 'non-CR/non-PD' | 'PD' | 'NE';

/** How one target lesion entered the sum at one timepoint. */
export interface TargetContribution {
  lesionId: string;
  /** Null when the lesion was not evaluated. */
  diameterMm: number | null;
  axis: 'long' | 'short';
  kind: 'measured' | 'fragments' | 'merged' | 'disappeared' | 'too-small' | 'not-evaluated';
}

export interface RecistTimepointResult {
  date: string;
  baseline: boolean;
  /** Sum of diameters; null when a target was not evaluated (see partialSumMm) or there are no targets. */
  sumMm: number | null;
  /** Sum over the targets that were evaluated (a lower bound of the true sum). */
  partialSumMm: number | null;
  /** The smallest complete sum at earlier timepoints (baseline included): the reference for PD. At baseline: the baseline sum. */
  nadirMm: number | null;
  changeFromBaselinePct: number | null;
  /** Null when the sum is incomplete or the nadir is 0 mm (a percentage of 0 is undefined). */
  changeFromNadirPct: number | null;
  /** Null at baseline. */
  targetResponse: TargetResponse | null;
  nonTargetResponse: NonTargetResponse | null;
  newLesions: boolean;
  /** Unequivocal new lesions seen here, and equivocal ones a later exam confirmed (PD dated from here). */
  newLesionIds: string[];
  /** New lesions equivocal here and not (yet) confirmed by a later exam: not progression. */
  equivocalNewLesionIds: string[];
  overallResponse: OverallResponse | null;
  contributions: TargetContribution[];
  explanation: string[];
}

export interface RecistAssessment {
  options: RecistOptions;
  timepoints: RecistTimepointResult[];
  /** NE when there is no follow-up yet. */
  bestOverallResponse: OverallResponse;
  bestOverallResponseExplanation: string[];
}

/**
 * Lesion types that are not tumour. RECIST 1.1 §3.1.3: simple cysts are not malignant
 * lesions (neither measurable nor non-measurable disease); hemangiomas and FNH are benign
 * too. They are followed in the registry but left out of the assessment.
 */
export const BENIGN_LESION_TYPES: ReadonlySet<string> = new Set(['cyst', 'hemangioma', 'FNH']);
