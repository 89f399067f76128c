/**
 * From the registry's lesion table to RECIST 1.1 and volumetry: the registry holds what was
 * measured; core/recist and core/volumetry decide what it means. Pure: the table in, the
 * assessment out.
 */
import type { LesionTableAssessment, LesionTableData, LesionVolumetry } from '../api/types';
import { daysBetweenOrNull } from '../dates';
import { growthBetween, tumorBurdenPct } from '../volumetry';
import { assessRecist } from './assess';
import { BENIGN_LESION_TYPES, type RecistAssessment, type RecistCase, type RecistTimepoint } from './types';
import { validateRecistCase } from './validate';

export type { LesionTableAssessment, LesionVolumetry } from '../api/types';

const ORGAN: Record<string, string> = { 'lymph-node': 'lymph node' };

/**
 * The RECIST case the table records: lesion labels as ids, one timepoint per assessed exam.
 * Lineage (confirmed by the radiologist) applies the RECIST 1.1 rules for lesions that
 * fragment or coalesce (Eisenhauer et al. 2009, and the RECIST working group's Q&A): from
 * the exam a split is seen on, a target's diameter is the sum of its fragments' (its own
 * finding included), and the fragments are not lesions of their own; a target that
 * coalesced into another target is recorded as merged into it (0 mm, the other carries the
 * whole) or, when it coalesced into a non-target, carries the coalesced lesion's diameter;
 * a non-target that coalesced is absent.
 */
export function recistCaseFromTable(t: LesionTableData): { recistCase: RecistCase; studyRowIds: number[] } {
  const dateOf = new Map(t.exams.map((e) => [e.studyRowId, e.date]));
  const byId = new Map(t.lesions.map((l) => [l.id, l]));
  const holds = (studyRowId: number, from: number): boolean => {
    const a = dateOf.get(studyRowId);
    const b = dateOf.get(from);
    return a !== null && a !== undefined && b !== null && b !== undefined ? a >= b : studyRowId === from;
  };
  const fragmentIds = new Set(t.lineage.filter((x) => x.kind === 'split').map((x) => x.childLesionId));
  // Benign lesions (simple cysts, …) are followed, not assessed.
  const lesionsInCase = t.lesions.filter((l) => !fragmentIds.has(l.id) && !BENIGN_LESION_TYPES.has(l.lesionType));
  const lesions = lesionsInCase.map((l) => ({ id: l.label, organ: ORGAN[l.site] ?? l.site, role: l.recistRole, lymphNode: l.lymphNode }));
  const timepoints: RecistTimepoint[] = [];
  const studyRowIds: number[] = [];
  for (const exam of t.exams) {
    const target: RecistTimepoint['target'] = {};
    const nonTarget: NonNullable<RecistTimepoint['nonTarget']> = {};
    const newIds: string[] = [];
    let any = false;
    for (const l of lesionsInCase) {
      const cell = t.cells[l.id][exam.studyRowId];
      const fragments = t.lineage.filter((x) => x.kind === 'split' && x.parentLesionId === l.id && holds(exam.studyRowId, x.studyRowId));
      const mergedInto = t.lineage.find((x) => x.kind === 'merge' && x.childLesionId === l.id && holds(exam.studyRowId, x.studyRowId));
      if (!cell.status && !fragments.length && !mergedInto) continue;
      any = true;
      if (l.recistRole === 'target') {
        const parent = mergedInto ? byId.get(mergedInto.parentLesionId) : undefined;
        const parentCell = parent ? t.cells[parent.id]?.[exam.studyRowId] : undefined;
        if (parent && parent.recistRole === 'target') {
          target[l.label] = { mergedInto: parent.label };
        } else if (parent && parentCell?.status === 'measured' && parentCell.longAxisMm !== null) {
          // Coalesced into a non-target: the target carries the coalesced lesion's diameter.
          target[l.label] = { longAxisMm: parentCell.longAxisMm, ...(parentCell.shortAxisMm !== null ? { shortAxisMm: parentCell.shortAxisMm } : {}) };
        } else if (fragments.length) {
          const pieces = [cell, ...fragments.map((f) => t.cells[f.childLesionId]?.[exam.studyRowId])]
            .filter((c) => c && c.status === 'measured' && c.longAxisMm !== null)
            .map((c) => ({ longAxisMm: c!.longAxisMm!, ...(c!.shortAxisMm !== null ? { shortAxisMm: c!.shortAxisMm! } : {}) }));
          if (pieces.length) target[l.label] = { fragments: pieces };
          else if (cell.status === 'too-small' || cell.status === 'disappeared' || cell.status === 'not-evaluated') target[l.label] = { status: cell.status };
        } else if (cell.status === 'measured') {
          target[l.label] = { ...(cell.longAxisMm !== null ? { longAxisMm: cell.longAxisMm } : {}), ...(cell.shortAxisMm !== null ? { shortAxisMm: cell.shortAxisMm } : {}) };
        } else if (cell.status === 'too-small' || cell.status === 'disappeared' || cell.status === 'not-evaluated') {
          target[l.label] = { status: cell.status };
        }
      } else if (l.recistRole === 'non-target') {
        if (mergedInto) nonTarget[l.label] = 'absent';
        else if (cell.status) nonTarget[l.label] = cell.status === 'measured' ? 'present' : cell.status === 'too-small' ? 'present' : cell.status === 'disappeared' ? 'absent' : (cell.status as 'present');
      } else if (cell.status === 'measured' || cell.status === 'present') {
        newIds.push(l.label);
      }
    }
    if (!any || !exam.date) continue;
    timepoints.push({ date: exam.date, target, nonTarget, newLesions: newIds.length ? newIds : false });
    studyRowIds.push(exam.studyRowId);
  }
  return { recistCase: { lesions, timepoints }, studyRowIds };
}

export function assessLesionTable(t: LesionTableData): LesionTableAssessment {
  const { recistCase, studyRowIds } = recistCaseFromTable(t);
  let recist: RecistAssessment | null = null;
  let recistErrors: string[] = [];
  if (recistCase.timepoints.length === 0) recistErrors = ['no exam has a lesion assessed yet'];
  else {
    const v = validateRecistCase(recistCase);
    if (v.ok) recist = assessRecist(v.value);
    else recistErrors = v.errors;
  }

  const volumetry: LesionVolumetry = { exams: [], growth: {} };
  for (const exam of t.exams) {
    const volumes = t.lesions.map((l) => t.cells[l.id][exam.studyRowId].volumeMl).filter((v): v is number => v !== null);
    const liver = t.liverVolumeMl[exam.studyRowId] ?? null;
    let burden: number | null = null;
    if (liver !== null && volumes.length) {
      try {
        burden = tumorBurdenPct(volumes, liver);
      } catch {
        burden = null;
      }
    }
    volumetry.exams.push({ studyRowId: exam.studyRowId, totalLesionVolumeMl: volumes.length ? volumes.reduce((a, b) => a + b, 0) : null, liverVolumeMl: liver, tumorBurdenPct: burden });
  }
  for (const l of t.lesions) {
    const withVolume = t.exams.filter((e) => e.date && t.cells[l.id][e.studyRowId].volumeMl !== null);
    const list: LesionVolumetry['growth'][string] = [];
    for (let i = 1; i < withVolume.length; i++) {
      const a = withVolume[i - 1];
      const b = withVolume[i];
      const interval = daysBetweenOrNull(a.date, b.date);
      if (interval === null || interval <= 0) continue;
      list.push({ fromStudyRowId: a.studyRowId, toStudyRowId: b.studyRowId, growth: growthBetween(t.cells[l.id][a.studyRowId].volumeMl!, t.cells[l.id][b.studyRowId].volumeMl!, interval) });
    }
    if (list.length) volumetry.growth[l.label] = list;
  }
  return { recistStudyRowIds: studyRowIds, recist, recistErrors, volumetry };
}
