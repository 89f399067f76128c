/**
 * The lesion table's history starts where a lesion was first seen: new lesions at their exam
 * (RECIST 1.1 §4.3.5), equivocal ones PD only once confirmed (dated from their first exam),
 * findings not matched yet provisional, pending review items explained, and volumes that follow
 * the lineage.
 */
import { describe, expect, it } from 'vitest';
import type { FollowUpFindingRow, Lesion, LesionCell, LesionLinkRow, LesionTableData } from '../api/types';
import { assessRecist } from './assess';
import { assessLesionTable, lesionRolesInCase } from './lesionAssessment';
import { validateRecistCase } from './validate';

function lesion(id: number, recistRole: Lesion['recistRole'], patch: Partial<Lesion> = {}): Lesion {
  return { id, patientRowId: 1, label: `L${id}`, site: 'liver', couinaudSegment: null, nodeStation: null, recistRole, lymphNode: false, lesionType: 'metastasis', referenceStandard: null, notes: '', createdAt: '', ...patch };
}
const empty = (): LesionCell => ({ measurementId: null, seriesId: null, longAxisMm: null, shortAxisMm: null, volumeMl: null, status: null, measurementCount: 0, recordChosenBy: null });
const mm = (longAxisMm: number, volumeMl: number | null = null): LesionCell => ({ ...empty(), longAxisMm, shortAxisMm: longAxisMm / 2, volumeMl, measurementId: 1, status: 'measured', measurementCount: 1, recordChosenBy: 'default' });
const status = (s: LesionCell['status']): LesionCell => ({ ...empty(), status: s });
function finding(id: number, lesionId: number, followUpStudyRowId: number, kind: 'new' | 'disappeared', st: FollowUpFindingRow['status'] = 'proposed'): FollowUpFindingRow {
  return { id, patientRowId: 1, baselineStudyRowId: 1, followUpStudyRowId, lesionId, label: `L${lesionId}`, kind, status: st, createdAt: '', decidedAt: null, reader: null };
}

/**
 * Three exams (1: 2024-01-01, 2: 2024-04-01, 3: 2024-07-01). L1 and L2 targets 30 + 20 mm,
 * stable; L3 first seen on exam 2 (matching found no counterpart: a new finding), still there on 3.
 */
function table(): LesionTableData {
  return {
    patientRowId: 1,
    exams: [
      { studyRowId: 1, date: '2024-01-01', description: 'BL', seriesIds: [1] },
      { studyRowId: 2, date: '2024-04-01', description: 'FU1', seriesIds: [2] },
      { studyRowId: 3, date: '2024-07-01', description: 'FU2', seriesIds: [3] },
    ],
    lesions: [lesion(1, 'target'), lesion(2, 'target'), lesion(3, 'non-target')],
    cells: {
      1: { 1: mm(30), 2: mm(30), 3: mm(30) },
      2: { 1: mm(20), 2: mm(20), 3: mm(20) },
      3: { 1: empty(), 2: mm(8), 3: mm(12) },
    },
    liverVolumeMl: {},
    lineage: [],
    findings: [finding(1, 3, 2, 'new')],
    pendingLinks: [],
    signoffs: [],
  };
}

describe('a lesion history starts where it was first seen', () => {
  it('a lesion first seen on a follow-up is a new lesion there: PD, never a baseline non-target, not "not evaluated" before it existed', () => {
    const a = assessLesionTable(table());
    expect(a.recistErrors).toEqual([]);
    expect(a.baselineStudyRowId).toBe(1);
    expect(a.lesionRoles.find((r) => r.label === 'L3')).toMatchObject({ role: 'new', firstSeenStudyRowId: 2, note: expect.stringMatching(/recorded as non-target, but first seen on 2024-04-01/) });
    const [bl, fu1, fu2] = a.recist!.timepoints;
    expect(bl.explanation.join(' ')).not.toContain('L3');
    expect(fu1).toMatchObject({ targetResponse: 'SD', nonTargetResponse: 'NA', newLesionIds: ['L3'], overallResponse: 'PD' });
    expect(fu2.newLesionIds).toEqual(['L3']);
    expect(fu1.explanation.join(' ')).toMatch(/Awaiting review: L3 is first seen on this exam.*finding-1/);
  });

  it('without matching, a follow-up finding is provisional: neither new nor known, and the response says so', () => {
    const t = table();
    t.findings = [];
    const a = assessLesionTable(t);
    expect(a.lesionRoles.find((r) => r.label === 'L3')!.role).toBe('unmatched');
    expect(a.recist!.timepoints[1]).toMatchObject({ newLesions: false, overallResponse: 'SD' });
    expect(a.recist!.timepoints[1].explanation.join(' ')).toMatch(/Not yet matched: L3 is seen here.*provisional/);
  });

  it('a finding in a link that waits for review is explained by that link', () => {
    const t = table();
    t.findings = [];
    t.pendingLinks = [{ id: 7, patientRowId: 1, baselineStudyRowId: 1, followUpStudyRowId: 2, registrationId: null, kind: 'split', fromLesionId: 1, fromLabel: 'L1', toLesionId: 3, toLabel: 'L3', confidence: 0.4, distanceMm: 9, overlap: 0.1, source: 'matching', status: 'proposed', auto: false, createdAt: '', decidedAt: null } as LesionLinkRow];
    const text = assessLesionTable(t).recist!.timepoints[1].explanation.join(' ');
    expect(text).toMatch(/Awaiting review: matching proposes that L3 is a fragment of L1 \(review item link-7\)/);
    expect(text).toMatch(/Provisional: L3 counts neither as new nor as known/);
    expect(text).not.toMatch(/Not yet matched/);
  });

  it('the reader may record a follow-up lesion as new by hand (role new)', () => {
    const t = table();
    t.findings = [];
    t.lesions[2] = lesion(3, 'new');
    expect(assessLesionTable(t).recist!.timepoints[1].overallResponse).toBe('PD');
  });

  it('the baseline is the first exam a lesion was seen on, not the first exam of the patient', () => {
    const t = table();
    t.exams.unshift({ studyRowId: 9, date: '2023-06-01', description: 'old CT, not read', seriesIds: [9] });
    for (const id of [1, 2, 3]) t.cells[id][9] = empty();
    const a = assessLesionTable(t);
    expect(a.baselineStudyRowId).toBe(1);
    expect(a.recistStudyRowIds).toEqual([1, 2, 3]);
  });

  it('a proposed disappearance is explained; confirmed, the target counts 0 mm', () => {
    const t = table();
    t.cells[2][3] = empty();
    t.findings.push(finding(2, 2, 3, 'disappeared'));
    let fu2 = assessLesionTable(t).recist!.timepoints[2];
    expect(fu2.targetResponse).toBe('NE');
    expect(fu2.explanation.join(' ')).toMatch(/L2 not evaluated \(no entry\)/);
    expect(fu2.explanation.join(' ')).toMatch(/no counterpart of L2 on this exam — confirm it disappeared.*finding-2/);
    t.cells[2][3] = status('disappeared');
    t.findings[1] = finding(2, 2, 3, 'disappeared', 'confirmed');
    fu2 = assessLesionTable(t).recist!.timepoints[2];
    expect(fu2.sumMm).toBe(30);
    expect(fu2.contributions.find((c) => c.lesionId === 'L2')).toMatchObject({ diameterMm: 0, kind: 'disappeared' });
    expect(fu2.explanation.join(' ')).not.toMatch(/Awaiting review: matching found/);
  });
});

describe('an equivocal new lesion (RECIST 1.1 §4.3.5)', () => {
  it('is not PD while equivocal; a later exam that shows it unequivocally confirms it, and PD is dated from its first exam', () => {
    const t = table();
    t.cells[3][2] = { ...mm(8), status: 'equivocal' };
    t.cells[3][3] = { ...mm(12), status: 'equivocal' };
    let [, fu1, fu2] = assessLesionTable(t).recist!.timepoints;
    expect(fu1).toMatchObject({ newLesions: false, equivocalNewLesionIds: ['L3'], overallResponse: 'SD' });
    expect(fu2).toMatchObject({ newLesions: false, equivocalNewLesionIds: ['L3'], overallResponse: 'SD' });
    expect(fu1.explanation.join(' ')).toMatch(/Equivocal new lesion\(s\): L3 — not progression unless a later exam confirms it/);
    // Exam 3 shows it unequivocally: PD on exam 3, and exam 2 becomes PD, dated from exam 2.
    t.cells[3][3] = mm(12);
    [, fu1, fu2] = assessLesionTable(t).recist!.timepoints;
    expect(fu1).toMatchObject({ newLesionIds: ['L3'], equivocalNewLesionIds: [], overallResponse: 'PD' });
    expect(fu1.explanation.join(' ')).toMatch(/L3 was equivocal here and confirmed on 2024-07-01 → progression dated from this exam/);
    expect(fu2.overallResponse).toBe('PD');
  });

  it('a new lesion that is gone on the next exam was never confirmed', () => {
    const t = table();
    t.cells[3][2] = { ...mm(8), status: 'equivocal' };
    t.cells[3][3] = status('absent');
    const [, fu1, fu2] = assessLesionTable(t).recist!.timepoints;
    expect(fu1.overallResponse).toBe('SD');
    expect(fu2).toMatchObject({ newLesions: false, overallResponse: 'SD' });
  });

  it('the case form validates equivocal lists: not at baseline, not both equivocal and unequivocal, only lesions declared new', () => {
    const base = { lesions: [{ id: 'A', organ: 'liver', role: 'target', lymphNode: false }, { id: 'N', organ: 'liver', role: 'new', lymphNode: false }] };
    const v = validateRecistCase({
      ...base,
      timepoints: [
        { date: '2024-01-01', target: { A: { longAxisMm: 20 } }, equivocalNewLesions: ['N'] },
        { date: '2024-02-01', target: { A: { longAxisMm: 20 } }, newLesions: ['N'], equivocalNewLesions: ['N', 'A'] },
      ],
    });
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.errors.join('\n')).toMatch(/new lesions cannot be reported at baseline/);
      expect(v.errors.join('\n')).toMatch(/new lesion N is listed both as unequivocal and as equivocal/);
      expect(v.errors.join('\n')).toMatch(/equivocal new lesion A: lesion A is declared with role "target"/);
    }
    const good = validateRecistCase({ ...base, timepoints: [{ date: '2024-01-01', target: { A: { longAxisMm: 20 } } }, { date: '2024-02-01', target: { A: { longAxisMm: 20 } }, equivocalNewLesions: ['N'] }] });
    expect(good.ok && assessRecist(good.value).timepoints[1].overallResponse).toBe('SD');
  });
});

describe('volumetry follows the lineage', () => {
  /** L1 splits into itself and L4 on exam 2; L3 coalesces into L2 on exam 2; L5 is a cyst. */
  function lineageTable(): LesionTableData {
    const t = table();
    t.exams = t.exams.slice(0, 2);
    t.lesions = [lesion(1, 'target'), lesion(2, 'target'), lesion(3, 'non-target'), lesion(4, 'non-target'), lesion(5, 'non-target', { lesionType: 'cyst' })];
    t.cells = {
      1: { 1: mm(30, 10), 2: mm(20, 6) },
      2: { 1: mm(20, 4), 2: mm(32, 9) },
      3: { 1: mm(15, 3), 2: empty() },
      4: { 1: empty(), 2: mm(14, 5) },
      5: { 1: mm(12, 2), 2: mm(12, 2) },
    };
    t.findings = [];
    t.lineage = [
      { id: 1, kind: 'split', parentLesionId: 1, childLesionId: 4, studyRowId: 2 },
      { id: 2, kind: 'merge', parentLesionId: 2, childLesionId: 3, studyRowId: 2 },
    ];
    return t;
  }

  it("a split lesion's volume is the sum of its fragments, and its growth is measured on that sum", () => {
    const v = assessLesionTable(lineageTable()).volumetry;
    expect(v.lesions.L1[2]).toEqual({ volumeMl: 11, parts: ['L1', 'L4'], note: 'split: L1 + L4' });
    expect(v.lesions.L4).toBeUndefined();
    expect(v.growth.L1[0].growth).toMatchObject({ fromVolumeMl: 10, toVolumeMl: 11 });
  });

  it('a coalesced lesion is 0 mL from the merge on; the survivor grows from both volumes', () => {
    const v = assessLesionTable(lineageTable()).volumetry;
    expect(v.lesions.L3[2]).toMatchObject({ volumeMl: 0, note: 'coalesced into L2: counted there' });
    expect(v.growth.L2[0]).toMatchObject({ includes: ['L3'], growth: { fromVolumeMl: 7, toVolumeMl: 9 } });
  });

  it('the total lesion volume counts each malignant mask once and leaves the cyst out', () => {
    const v = assessLesionTable(lineageTable()).volumetry;
    expect(v.exams.find((e) => e.studyRowId === 1)!.totalLesionVolumeMl).toBe(17);
    expect(v.exams.find((e) => e.studyRowId === 2)!.totalLesionVolumeMl).toBe(20);
  });
});

describe('roles in the case', () => {
  it('a target declared but never measured is still in the case: validation names it', () => {
    const t = table();
    t.lesions.push(lesion(4, 'target'));
    t.cells[4] = { 1: empty(), 2: empty(), 3: empty() };
    const a = assessLesionTable(t);
    expect(a.lesionRoles.find((r) => r.label === 'L4')).toMatchObject({ role: 'target', firstSeenStudyRowId: null, note: 'not seen on any exam yet' });
    expect(a.recistErrors.join(' ')).toMatch(/target L4/);
  });

  it('fragments and benign lesions are named as such, with why', () => {
    const t = table();
    t.lesions.push(lesion(4, 'target', { lesionType: 'cyst' }));
    t.cells[4] = { 1: mm(10), 2: mm(10), 3: mm(10) };
    const { roles } = lesionRolesInCase(t);
    expect(roles.find((r) => r.label === 'L4')).toMatchObject({ role: 'benign', note: expect.stringMatching(/cyst.*RECIST 1.1 §3.1.3/) });
  });
});
