/**
 * What the follow-up panel shows, from plain API data: which exams to compare by default,
 * which series of an exam is registered, and the links between a baseline and a follow-up
 * exam sorted into what a reader reviews (the queue) and what is settled (matched, new,
 * disappeared, split, merged). Pure functions, tested beside this file.
 */
import type { ExamColumn, Lesion, LesionLinkRow, LesionTableData, SeriesSummary } from '../../../../core/api/types';

/** "L2" before "L10" (the lesion panel's order; kept here so this file stays framework-free). */
export function compareLabels(a: string, b: string): number {
  const na = Number(/\d+/.exec(a)?.[0] ?? NaN);
  const nb = Number(/\d+/.exec(b)?.[0] ?? NaN);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a.localeCompare(b);
}

/**
 * The series an exam is read and registered on — the server's rule (followUpService
 * primarySeries): the CT (else any) volume with the most slices, the lowest id on a tie.
 */
export function primarySeriesId(series: readonly SeriesSummary[]): number | null {
  const volumes = series.filter((s) => s.sliceCount > 1);
  const pool = volumes.length ? volumes : [...series];
  const best = [...pool].sort((a, b) => Number(b.modality === 'CT') - Number(a.modality === 'CT') || b.sliceCount - a.sliceCount || a.id - b.id)[0];
  return best?.id ?? null;
}

export interface ExamPair {
  baselineStudyRowId: number;
  followUpStudyRowId: number;
}

/**
 * The comparison a reader starts from: the first exam (the baseline) against the exam open in
 * the viewer, or against the latest one when the open exam is the baseline. Exams are in date
 * order (as the lesion table gives them). Null with fewer than two exams.
 */
export function defaultExamPair(exams: readonly ExamColumn[], currentStudyRowId: number | null): ExamPair | null {
  if (exams.length < 2) return null;
  const baseline = exams[0].studyRowId;
  const current = exams.find((e) => e.studyRowId === currentStudyRowId && e.studyRowId !== baseline);
  return { baselineStudyRowId: baseline, followUpStudyRowId: (current ?? exams[exams.length - 1]).studyRowId };
}

/** A pair is usable when both exams exist and differ; the baseline comes first in time. */
export function validPair(exams: readonly ExamColumn[], pair: ExamPair | null): pair is ExamPair {
  if (!pair || pair.baselineStudyRowId === pair.followUpStudyRowId) return false;
  const b = exams.findIndex((e) => e.studyRowId === pair.baselineStudyRowId);
  const f = exams.findIndex((e) => e.studyRowId === pair.followUpStudyRowId);
  return b >= 0 && f >= 0;
}

// ---- links ------------------------------------------------------------------------------

/** The review queue: proposed links, least confident first (the ones most likely wrong). */
export function reviewQueue(links: readonly LesionLinkRow[]): LesionLinkRow[] {
  return links
    .filter((l) => l.status === 'proposed')
    .sort((a, b) => (a.confidence ?? -1) - (b.confidence ?? -1) || compareLabels(a.fromLabel, b.fromLabel) || a.id - b.id);
}

/** A lesion has a finding on an exam when it has a measurement or a mask there. */
export function hasFinding(table: LesionTableData, lesionId: number, studyRowId: number): boolean {
  const cell = table.cells[lesionId]?.[studyRowId];
  return Boolean(cell && (cell.measurementId !== null || cell.longAxisMm !== null || cell.volumeMl !== null));
}

export interface FollowUpSummary {
  queue: LesionLinkRow[];
  /** Confirmed matches: the follow-up finding continues the baseline lesion. */
  matched: LesionLinkRow[];
  splits: LesionLinkRow[];
  merges: LesionLinkRow[];
  /** Follow-up findings with no baseline lesion and no link (RECIST: new lesions). */
  newLesions: Lesion[];
  /** Baseline lesions with no follow-up finding and no link. */
  disappeared: Lesion[];
}

/**
 * Sort the links of one exam pair and the lesion table into what the panel lists. "New" and
 * "disappeared" are what matching recorded for the follow-up (against every lesion known before
 * it), plus what the table shows unpaired as it is now (so they stay right after every confirm,
 * reject or relink), leaving out lesions that a live link already accounts for.
 */
export function summarizeFollowUp(links: readonly LesionLinkRow[], table: LesionTableData, pair: ExamPair): FollowUpSummary {
  const mine = links.filter((l) => l.baselineStudyRowId === pair.baselineStudyRowId && l.followUpStudyRowId === pair.followUpStudyRowId);
  const live = mine.filter((l) => l.status !== 'rejected');
  const confirmed = live.filter((l) => l.status === 'confirmed');
  const byLabel = (a: LesionLinkRow, b: LesionLinkRow) => compareLabels(a.fromLabel, b.fromLabel) || compareLabels(a.toLabel, b.toLabel);
  const linkedFrom = new Set(live.map((l) => l.fromLesionId));
  const linkedTo = new Set(live.map((l) => l.toLesionId));
  const lesions = [...table.lesions].sort((a, b) => compareLabels(a.label, b.label));
  const onBaseline = (l: Lesion) => hasFinding(table, l.id, pair.baselineStudyRowId);
  const onFollowUp = (l: Lesion) => hasFinding(table, l.id, pair.followUpStudyRowId);
  // Matching compares a follow-up with every lesion known before it: what it found unpaired is on record.
  const found = (kind: 'new' | 'disappeared') =>
    new Set(table.findings.filter((f) => f.kind === kind && f.followUpStudyRowId === pair.followUpStudyRowId && !(kind === 'new' && f.status === 'rejected')).map((f) => f.lesionId));
  const foundNew = found('new');
  const foundGone = found('disappeared');
  const upTo = table.exams.findIndex((e) => e.studyRowId === pair.followUpStudyRowId);
  const seenBefore = (l: Lesion) => table.exams.slice(0, Math.max(0, upTo)).some((e) => hasFinding(table, l.id, e.studyRowId));
  return {
    queue: reviewQueue(mine),
    matched: confirmed.filter((l) => l.kind === 'match').sort(byLabel),
    splits: confirmed.filter((l) => l.kind === 'split').sort(byLabel),
    merges: confirmed.filter((l) => l.kind === 'merge').sort(byLabel),
    newLesions: lesions.filter((l) => foundNew.has(l.id) || (onFollowUp(l) && !seenBefore(l) && !linkedTo.has(l.id))),
    disappeared: lesions.filter((l) => foundGone.has(l.id) || (onBaseline(l) && !onFollowUp(l) && !linkedFrom.has(l.id))),
  };
}

/**
 * Baseline lesions a follow-up finding can be linked to by hand, other than the one it is
 * linked to now, in label order. A match or a merge takes a baseline lesion with no finding
 * on the follow-up yet (one that already continues would get two); a split takes any
 * baseline lesion (the lesion that split usually continues as one of its fragments).
 */
export function relinkCandidates(table: LesionTableData, pair: ExamPair, exceptLesionId: number | null, kind: LesionLinkRow['kind'] = 'match'): Lesion[] {
  return [...table.lesions]
    .filter((l) => l.id !== exceptLesionId && hasFinding(table, l.id, pair.baselineStudyRowId))
    .filter((l) => kind === 'split' || !hasFinding(table, l.id, pair.followUpStudyRowId))
    .sort((a, b) => compareLabels(a.label, b.label));
}
