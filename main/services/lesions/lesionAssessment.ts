/**
 * From the registry's lesion table to RECIST 1.1 and volumetry: the registry holds what was
 * measured; core/recist and core/volumetry decide what it means.
 */
import type { LesionTableAssessment, LesionVolumetry } from '../../../core/api/types';
import { assessRecist, validateRecistCase, type RecistAssessment, type RecistCase, type RecistTimepoint } from '../../../core/recist';
import { growthBetween, tumorBurdenPct } from '../../../core/volumetry';

export type { LesionTableAssessment, LesionVolumetry } from '../../../core/api/types';
import type { LesionTableData } from './lesionTable';

const ORGAN: Record<string, string> = { 'lymph-node': 'lymph node' };

function days(a: string, b: string): number {
  return (Date.parse(b) - Date.parse(a)) / 86_400_000;
}

/** The RECIST case the table records: lesion labels as ids, one timepoint per assessed exam. */
export function recistCaseFromTable(t: LesionTableData): { recistCase: RecistCase; studyRowIds: number[] } {
  const lesions = t.lesions.map((l) => ({ id: l.label, organ: ORGAN[l.site] ?? l.site, role: l.recistRole, lymphNode: l.lymphNode }));
  const timepoints: RecistTimepoint[] = [];
  const studyRowIds: number[] = [];
  for (const exam of t.exams) {
    const target: RecistTimepoint['target'] = {};
    const nonTarget: NonNullable<RecistTimepoint['nonTarget']> = {};
    const newIds: string[] = [];
    let any = false;
    for (const l of t.lesions) {
      const cell = t.cells[l.id][exam.studyRowId];
      if (!cell.status) continue;
      any = true;
      if (l.recistRole === 'target') {
        if (cell.status === 'measured') {
          target[l.label] = { ...(cell.longAxisMm !== null ? { longAxisMm: cell.longAxisMm } : {}), ...(cell.shortAxisMm !== null ? { shortAxisMm: cell.shortAxisMm } : {}) };
        } else if (cell.status === 'too-small' || cell.status === 'disappeared' || cell.status === 'not-evaluated') {
          target[l.label] = { status: cell.status };
        }
      } else if (l.recistRole === 'non-target') {
        nonTarget[l.label] = cell.status === 'measured' ? 'present' : cell.status === 'too-small' ? 'present' : cell.status === 'disappeared' ? 'absent' : (cell.status as 'present');
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
      const interval = days(a.date!, b.date!);
      if (interval <= 0) continue;
      list.push({ fromStudyRowId: a.studyRowId, toStudyRowId: b.studyRowId, growth: growthBetween(t.cells[l.id][a.studyRowId].volumeMl!, t.cells[l.id][b.studyRowId].volumeMl!, interval) });
    }
    if (list.length) volumetry.growth[l.label] = list;
  }
  return { recistStudyRowIds: studyRowIds, recist, recistErrors, volumetry };
}
