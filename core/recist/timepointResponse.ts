/**
 * Response at one timepoint: target lesions, non-target lesions, and the overall response
 * from RECIST 1.1 Table 1 (target disease at baseline) or Table 2 (non-target disease only).
 * Each function returns the category together with the sentence that justifies it.
 */
import { fmtMm, signedMm, signedPct } from './format';
import { NODE_PATHOLOGICAL_SHORT_AXIS_MM } from './validate';
import type { NonTargetEntry, NonTargetResponse, NonTargetStatus, OverallResponse, RecistLesion, TargetContribution, TargetResponse } from './types';

export interface Ruled<T> {
  response: T;
  explanation: string;
}

// RECIST 1.1 §4.3.1: PR is a ≥ 30% decrease of the sum from the baseline sum; PD is a ≥ 20% increase
// over the smallest sum on study (baseline included) that is also ≥ 5 mm in absolute terms; CR is the
// disappearance of all target lesions with every target node < 10 mm short axis.
export const PR_DECREASE_PCT = 30;
export const PD_INCREASE_PCT = 20;
export const PD_MIN_INCREASE_MM = 5;
// Comparisons are made on sums rounded to the micrometre; the tolerance keeps an exact 30% or 20%
// (e.g. 70 of 100 mm) on the side the rule intends despite binary floating point.
const EPS = 1e-9;

export function isProgression(sumMm: number, nadirMm: number): boolean {
  const increaseMm = sumMm - nadirMm;
  return increaseMm >= PD_MIN_INCREASE_MM - EPS && increaseMm * 100 >= PD_INCREASE_PCT * nadirMm - EPS;
}

export function isPartialResponse(sumMm: number, baselineSumMm: number): boolean {
  return (baselineSumMm - sumMm) * 100 >= PR_DECREASE_PCT * baselineSumMm - EPS;
}

export function pctChange(fromMm: number, toMm: number): number | null {
  return fromMm === 0 ? null : Math.round(((toMm - fromMm) / fromMm) * 10_000) / 100;
}

function overNadir(sumMm: number, nadirMm: number): string {
  return nadirMm === 0 ? `${signedMm(sumMm)} over the nadir 0 mm (a percentage of 0 is undefined; any increase exceeds 20% of it)` : `${signedPct(pctChange(nadirMm, sumMm))} and ${signedMm(sumMm - nadirMm)} over the nadir ${fmtMm(nadirMm)}`;
}

export interface TargetResponseInput {
  baselineSumMm: number;
  /** Smallest complete sum at earlier timepoints, baseline included. */
  nadirMm: number;
  sumMm: number | null;
  partialSumMm: number;
  contributions: readonly TargetContribution[];
  /** Lesions in the same order as `contributions`, to tell nodes from non-nodal lesions. */
  targets: readonly RecistLesion[];
}

/** Target lesion response at a follow-up timepoint. */
export function targetResponse(t: TargetResponseInput): Ruled<TargetResponse> {
  const pdRule = `PD needs ≥ +${PD_INCREASE_PCT}% and ≥ +${PD_MIN_INCREASE_MM} mm`;
  if (t.sumMm === null) {
    const missing = t.contributions.filter((c) => c.diameterMm === null).map((c) => c.lesionId);
    // RECIST 1.1 §4.4.2: a timepoint with unmeasured targets is NE, unless the lesions that were
    // measured already meet PD — the missing ones can only add to the sum.
    if (isProgression(t.partialSumMm, t.nadirMm))
      return {
        response: 'PD',
        explanation: `Target PD although ${missing.join(', ')} not evaluated: the evaluated targets alone sum to ${fmtMm(t.partialSumMm)}, ${overNadir(t.partialSumMm, t.nadirMm)} (${pdRule}; RECIST 1.1 §4.4.2)`,
      };
    return {
      response: 'NE',
      explanation: `Target NE: ${missing.join(', ')} not evaluated, and the evaluated targets (${fmtMm(t.partialSumMm)}) do not reach PD over the nadir ${fmtMm(t.nadirMm)} on their own (RECIST 1.1 §4.4.2)`,
    };
  }
  const sum = t.sumMm;
  let allGone = true;
  let nonNodalCount = 0;
  const nodes: string[] = [];
  for (let i = 0; i < t.contributions.length; i++) {
    const c = t.contributions[i];
    if (t.targets[i].lymphNode) {
      nodes.push(`${c.lesionId} ${fmtMm(c.diameterMm ?? 0)}`);
      if ((c.diameterMm ?? 0) >= NODE_PATHOLOGICAL_SHORT_AXIS_MM) allGone = false;
    } else {
      nonNodalCount++;
      if (c.kind !== 'disappeared' && c.kind !== 'merged') allGone = false;
    }
  }
  // CR is decided before the sum rule: target nodes that stay < 10 mm are normal nodes, and their
  // millimetre changes cannot make progression (EORTC RECIST FAQ, "abnormal lymph node").
  if (allGone)
    return {
      response: 'CR',
      explanation: `Target CR (RECIST 1.1 §4.3.1): ${[
        nonNodalCount ? 'every non-nodal target disappeared' : '',
        nodes.length ? `every target node is < ${NODE_PATHOLOGICAL_SHORT_AXIS_MM} mm short axis (${nodes.join(', ')})` : '',
      ]
        .filter(Boolean)
        .join(' and ')}; sum ${fmtMm(sum)}`,
    };
  if (isProgression(sum, t.nadirMm)) return { response: 'PD', explanation: `Target PD (RECIST 1.1 §4.3.1): sum ${fmtMm(sum)} is ${overNadir(sum, t.nadirMm)} (${pdRule})` };
  const fromBaseline = `${signedPct(pctChange(t.baselineSumMm, sum))} from the baseline ${fmtMm(t.baselineSumMm)}`;
  if (isPartialResponse(sum, t.baselineSumMm)) return { response: 'PR', explanation: `Target PR (RECIST 1.1 §4.3.1): sum ${fmtMm(sum)} is ${fromBaseline} (PR needs ≤ −${PR_DECREASE_PCT}%)` };
  return {
    response: 'SD',
    explanation: `Target SD (RECIST 1.1 §4.3.1): sum ${fmtMm(sum)} is ${fromBaseline} (PR needs ≤ −${PR_DECREASE_PCT}%) and ${overNadir(sum, t.nadirMm)} (${pdRule})`,
  };
}

/** A non-target entry as a status; a node given by its short axis is absent (normal) below 10 mm. */
export function nonTargetStatus(entry: NonTargetEntry | undefined): NonTargetStatus {
  if (entry === undefined) return 'not-evaluated';
  if (typeof entry === 'string') return entry;
  return entry.shortAxisMm < NODE_PATHOLOGICAL_SHORT_AXIS_MM ? 'absent' : 'present';
}

/**
 * Non-target response. RECIST 1.1 §4.3.3: CR is the disappearance of all non-target lesions with every
 * node non-pathological (< 10 mm); PD is unequivocal progression of existing non-target lesions; anything
 * else that persists is non-CR/non-PD. (Tumour-marker normalisation, also required for CR, is not modelled.)
 */
export function nonTargetResponse(nonTargets: readonly RecistLesion[], entries: Readonly<Record<string, NonTargetEntry>> | undefined): Ruled<NonTargetResponse> {
  if (nonTargets.length === 0) return { response: 'NA', explanation: 'Non-target: none at baseline' };
  const progressed: string[] = [];
  const missing: string[] = [];
  const present: string[] = [];
  for (const l of nonTargets) {
    const s = nonTargetStatus(entries?.[l.id]);
    if (s === 'unequivocal-progression') progressed.push(l.id);
    else if (s === 'not-evaluated') missing.push(l.id);
    else if (s === 'present') present.push(l.id);
  }
  if (progressed.length) return { response: 'PD', explanation: `Non-target PD (RECIST 1.1 §4.3.3): unequivocal progression of ${progressed.join(', ')}` };
  if (missing.length) return { response: 'NE', explanation: `Non-target NE: ${missing.join(', ')} not evaluated` };
  if (present.length === 0) return { response: 'CR', explanation: `Non-target CR (RECIST 1.1 §4.3.3): all non-target lesions absent (${nonTargets.map((l) => l.id).join(', ')})` };
  return { response: 'non-CR/non-PD', explanation: `Non-target non-CR/non-PD (RECIST 1.1 §4.3.3): ${present.join(', ')} persist${present.length === 1 ? 's' : ''} without unequivocal progression` };
}

/**
 * Overall timepoint response. RECIST 1.1 §4.4.1, Table 1 (patients with target disease) and Table 2
 * (non-target disease only); a new lesion is progression (§4.3.5).
 */
export function overallResponse(target: TargetResponse, nonTarget: NonTargetResponse, newLesions: boolean): Ruled<OverallResponse> {
  const here = `target ${target}, non-target ${nonTarget}, ${newLesions ? 'new lesion(s)' : 'no new lesions'}`;
  const rule = (table: 1 | 2, row: string, response: OverallResponse): Ruled<OverallResponse> => ({
    response,
    explanation: `Overall ${response} — RECIST 1.1 Table ${table}, row ${row} → ${response} (here: ${here})`,
  });
  if (target === 'NA') {
    if (newLesions) return rule(2, 'non-target any / new lesions yes', 'PD');
    switch (nonTarget) {
      case 'PD':
        return rule(2, 'non-target unequivocal PD / new lesions yes or no', 'PD');
      case 'CR':
        return rule(2, 'non-target CR / new lesions no', 'CR');
      case 'non-CR/non-PD':
        return rule(2, 'non-target non-CR/non-PD / new lesions no', 'non-CR/non-PD');
      case 'NE':
        return rule(2, 'non-target not all evaluated / new lesions no', 'NE');
      case 'NA':
        // Validation refuses a case without baseline disease; kept total for callers that skip it.
        return { response: 'NE', explanation: 'Overall NE: no target and no non-target disease at baseline' };
    }
  }
  if (newLesions) return rule(1, 'target any / non-target any / new lesions yes', 'PD');
  if (target === 'PD') return rule(1, 'target PD / non-target any / new lesions yes or no', 'PD');
  if (nonTarget === 'PD') return rule(1, 'target any / non-target PD / new lesions yes or no', 'PD');
  // From here the non-target response is non-PD: CR, non-CR/non-PD, NE or NA (no non-target lesions,
  // read as the CR column: no non-target disease is left).
  switch (target) {
    case 'CR':
      if (nonTarget === 'CR' || nonTarget === 'NA') return rule(1, `target CR / non-target ${nonTarget === 'NA' ? 'CR (none at baseline)' : 'CR'} / new lesions no`, 'CR');
      if (nonTarget === 'non-CR/non-PD') return rule(1, 'target CR / non-target non-CR/non-PD / new lesions no', 'PR');
      return rule(1, 'target CR / non-target not evaluated / new lesions no', 'PR');
    case 'PR':
      return rule(1, 'target PR / non-target non-PD or not all evaluated / new lesions no', 'PR');
    case 'SD':
      return rule(1, 'target SD / non-target non-PD or not all evaluated / new lesions no', 'SD');
    case 'NE':
      return rule(1, 'target not all evaluated / non-target non-PD / new lesions no', 'NE');
  }
}
