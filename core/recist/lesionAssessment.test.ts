import { describe, expect, it } from 'vitest';
import type { Lesion, LesionCell, LesionTableData } from '../api/types';
import { assessLesionTable, recistCaseFromTable } from './lesionAssessment';

function lesion(id: number, label: string, recistRole: Lesion['recistRole']): Lesion {
  return { id, patientRowId: 1, label, site: 'liver', couinaudSegment: null, nodeStation: null, recistRole, lymphNode: false, lesionType: 'metastasis', referenceStandard: null, notes: '', createdAt: '' };
}
const empty = (): LesionCell => ({ measurementId: null, seriesId: null, longAxisMm: null, shortAxisMm: null, volumeMl: null, status: null, measurementCount: 0, recordChosenBy: null });
const mm = (longAxisMm: number): LesionCell => ({ ...empty(), longAxisMm, shortAxisMm: longAxisMm / 2, measurementId: 1, status: 'measured', measurementCount: 1, recordChosenBy: 'default' });

/**
 * Baseline (11) and follow-up (12): L1 (target, 30 mm) splits into itself (12 mm) and the
 * fragment L4 (10 mm); L2 (target, 20 mm) and L3 (non-target) coalesce into L2 (35 mm).
 */
function table(): LesionTableData {
  return {
    patientRowId: 1,
    exams: [
      { studyRowId: 11, date: '2024-01-01', description: 'BL', seriesIds: [1] },
      { studyRowId: 12, date: '2024-04-01', description: 'FU', seriesIds: [2] },
    ],
    lesions: [lesion(1, 'L1', 'target'), lesion(2, 'L2', 'target'), lesion(3, 'L3', 'non-target'), lesion(4, 'L4', 'non-target')],
    cells: {
      1: { 11: mm(30), 12: mm(12) },
      2: { 11: mm(20), 12: mm(35) },
      3: { 11: mm(15), 12: empty() },
      4: { 11: empty(), 12: mm(10) },
    },
    liverVolumeMl: {},
    lineage: [
      { id: 1, kind: 'split', parentLesionId: 1, childLesionId: 4, studyRowId: 12 },
      { id: 2, kind: 'merge', parentLesionId: 2, childLesionId: 3, studyRowId: 12 },
    ],
    findings: [],
    pendingLinks: [],
    signoffs: [],
  };
}

describe('RECIST 1.1 from the lesion table with lineage', () => {
  it('sums a split target over its fragments and drops the fragment as a lesion; a coalesced non-target is absent', () => {
    const { recistCase } = recistCaseFromTable(table());
    expect(recistCase.lesions.map((l) => l.id)).toEqual(['L1', 'L2', 'L3']);
    expect(recistCase.timepoints[0].target).toEqual({ L1: { longAxisMm: 30, shortAxisMm: 15 }, L2: { longAxisMm: 20, shortAxisMm: 10 } });
    expect(recistCase.timepoints[1].target).toEqual({
      L1: { fragments: [{ longAxisMm: 12, shortAxisMm: 6 }, { longAxisMm: 10, shortAxisMm: 5 }] },
      L2: { longAxisMm: 35, shortAxisMm: 17.5 },
    });
    expect(recistCase.timepoints[1].nonTarget).toEqual({ L3: 'absent' });
    expect(recistCase.timepoints[1].newLesions).toBe(false);
    // Sum of diameters: baseline 30 + 20 = 50; follow-up (12 + 10) + 35 = 57 (+14 %: stable disease).
    const a = assessLesionTable(table());
    expect(a.recistErrors).toEqual([]);
    expect(a.recist!.timepoints[1].sumMm).toBeCloseTo(57, 9);
  });

  it('leaves benign lesions (a simple cyst) out of RECIST 1.1', () => {
    const t = table();
    t.lesions[2] = { ...lesion(3, 'L3', 'non-target'), lesionType: 'cyst' };
    t.lineage.pop();
    const { recistCase } = recistCaseFromTable(t);
    expect(recistCase.lesions.map((l) => l.id)).toEqual(['L1', 'L2']);
    expect(recistCase.timepoints[0].nonTarget).toEqual({});
  });

  it('a target coalesced into another target is recorded as merged into it', () => {
    const t = table();
    t.lesions[2] = lesion(3, 'L3', 'target');
    t.lesions[1] = lesion(2, 'L2', 'target');
    t.lesions[0] = lesion(1, 'L1', 'non-target');
    const { recistCase } = recistCaseFromTable(t);
    expect(recistCase.timepoints[1].target.L3).toEqual({ mergedInto: 'L2' });
  });

  it('a target coalesced into a non-target carries the coalesced diameter', () => {
    const t = table();
    t.lineage[1] = { id: 2, kind: 'merge', parentLesionId: 3, childLesionId: 2, studyRowId: 12 };
    t.cells[3][12] = mm(40);
    t.cells[2][12] = empty();
    const { recistCase } = recistCaseFromTable(t);
    expect(recistCase.timepoints[1].target.L2).toEqual({ longAxisMm: 40, shortAxisMm: 20 });
  });
});
