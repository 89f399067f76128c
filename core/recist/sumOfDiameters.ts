import { fmtMm } from './format';
import type { RecistLesion, TargetContribution, TargetEntry } from './types';

export interface SumOfDiameters {
  /** Null when any target was not evaluated. */
  sumMm: number | null;
  /** Sum over the evaluated targets only. */
  partialSumMm: number;
  contributions: TargetContribution[];
  notEvaluatedIds: string[];
  /** "L1 32 mm + N1 8 mm (short axis) + …", for the explanation. */
  terms: string;
}

/** Rounds away float noise (12.3 + 4.1 = 16.400000000000002) at the micrometre, far below a caliper's precision. */
export function roundMm(mm: number): number {
  return Math.round(mm * 1000) / 1000;
}

/**
 * Sum of diameters of the target lesions on one exam.
 *
 * RECIST 1.1 §4.2 and §4.3.2: long axis for non-nodal lesions, short axis for nodes (a node that shrank
 * below 10 mm still adds its actual short axis); a target present but too small to measure counts
 * `tooSmallMm` (default 5 mm), one that disappeared 0 mm; a split lesion counts the sum of its
 * fragments' diameters; when lesions coalesce, the merged diameter goes to one of them and the
 * others count 0 mm.
 */
export function sumOfDiameters(targets: readonly RecistLesion[], entries: Readonly<Record<string, TargetEntry>>, tooSmallMm: number): SumOfDiameters {
  let partial = 0;
  const contributions: TargetContribution[] = [];
  const notEvaluatedIds: string[] = [];
  const terms: string[] = [];
  for (const lesion of targets) {
    const axis = lesion.lymphNode ? 'short' : 'long';
    const entry = entries[lesion.id];
    const axisNote = lesion.lymphNode ? ', short axis' : '';
    let diameterMm: number | null;
    let kind: TargetContribution['kind'];
    let term: string;
    if (entry === undefined || ('status' in entry && entry.status === 'not-evaluated')) {
      diameterMm = null;
      kind = 'not-evaluated';
      term = `${lesion.id} not evaluated${entry === undefined ? ' (no entry)' : ''}`;
    } else if ('status' in entry) {
      kind = entry.status;
      diameterMm = entry.status === 'disappeared' ? 0 : tooSmallMm;
      term = `${lesion.id} ${fmtMm(diameterMm)} (${entry.status === 'disappeared' ? 'disappeared' : 'too small to measure'})`;
    } else if ('mergedInto' in entry) {
      kind = 'merged';
      diameterMm = 0;
      term = `${lesion.id} 0 mm (merged into ${entry.mergedInto})`;
    } else if ('fragments' in entry) {
      kind = 'fragments';
      let s = 0;
      const parts: string[] = [];
      for (const f of entry.fragments) {
        const d = (lesion.lymphNode ? f.shortAxisMm : f.longAxisMm) ?? 0;
        s += d;
        parts.push(String(roundMm(d)));
      }
      diameterMm = roundMm(s);
      term = `${lesion.id} ${fmtMm(diameterMm)} (split: ${parts.join(' + ')}${axisNote})`;
    } else {
      kind = 'measured';
      diameterMm = (lesion.lymphNode ? entry.shortAxisMm : entry.longAxisMm) ?? 0;
      term = `${lesion.id} ${fmtMm(diameterMm)}${lesion.lymphNode ? ' (short axis)' : ''}`;
    }
    if (diameterMm === null) notEvaluatedIds.push(lesion.id);
    else partial += diameterMm;
    contributions.push({ lesionId: lesion.id, diameterMm, axis, kind });
    terms.push(term);
  }
  const partialSumMm = roundMm(partial);
  return { sumMm: notEvaluatedIds.length === 0 ? partialSumMm : null, partialSumMm, contributions, notEvaluatedIds, terms: terms.join(' + ') };
}
