/**
 * The RECIST 1.1 role a newly accepted lesion (an AI proposal) starts with; the radiologist
 * can change it. Eisenhauer et al., Eur J Cancer 2009;45:228–247: §3.1.1 a lesion is measurable
 * with a long axis ≥ 10 mm on CT, or twice the slice thickness when the slices are thicker
 * than 5 mm (measurableMinimumMm); §3.2.1 at most 5 targets, at most 2 per organ.
 */
import { BENIGN_LESION_TYPES } from './types';
import { MAX_TARGETS, MAX_TARGETS_PER_ORGAN, measurableMinimumMm } from './validate';

export interface DefaultRecistRoleInput {
  /** Where the lesion is (the lesion's `site`, e.g. 'liver'): targets are counted per site. */
  site: string;
  /** Long axis on the exam it was found on, mm; null when it has none (no measurement). */
  longAxisMm: number | null;
  /** Lesion type; a benign one (cyst, hemangioma, FNH) is never a target. */
  lesionType: string | null;
  /** Slice interval (or thickness) of that exam, mm; omitted: thin slices (10 mm minimum). */
  sliceThicknessMm?: number;
  /** The patient's current target lesions (their sites). */
  targets: readonly { site: string }[];
}

/** 'target' while the lesion is measurable and the patient has room for it; otherwise 'non-target'. */
export function defaultRecistRole(input: DefaultRecistRoleInput): 'target' | 'non-target' {
  if (input.lesionType !== null && BENIGN_LESION_TYPES.has(input.lesionType)) return 'non-target';
  if (input.longAxisMm === null || !(input.longAxisMm >= measurableMinimumMm(input.sliceThicknessMm))) return 'non-target';
  const inOrgan = input.targets.filter((t) => t.site === input.site).length;
  return input.targets.length < MAX_TARGETS && inOrgan < MAX_TARGETS_PER_ORGAN ? 'target' : 'non-target';
}
