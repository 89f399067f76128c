import { describe, expect, it } from 'vitest';
import type { ExamColumn, Lesion, LesionCell, LesionLinkRow, LesionTableData, SeriesSummary } from '../../../../core/api/types';
import { defaultExamPair, primarySeriesId, relinkCandidates, reviewQueue, summarizeFollowUp, validPair } from './followUpModel';

const series = (id: number, modality: string, sliceCount: number): SeriesSummary => ({
  id,
  studyRowId: 1,
  seriesInstanceUid: `1.2.${id}`,
  modality,
  seriesNumber: id,
  description: '',
  sliceCount,
  instanceCount: sliceCount,
  rows: 512,
  columns: 512,
  warnings: [],
});

const exam = (studyRowId: number, date: string): ExamColumn => ({ studyRowId, date, description: 'CT abdomen', seriesIds: [studyRowId * 10] });
const exams = [exam(1, '2025-01-10'), exam(2, '2025-04-12'), exam(3, '2025-07-15')];

describe('which exams and series', () => {
  it('registers the CT volume with the most slices (not the scout, not a SEG)', () => {
    expect(primarySeriesId([series(5, 'CT', 2), series(6, 'SEG', 80), series(7, 'CT', 240), series(8, 'CT', 120)])).toBe(7);
    expect(primarySeriesId([series(9, 'CT', 80), series(4, 'CT', 80)])).toBe(4);
    expect(primarySeriesId([])).toBeNull();
  });

  it('starts from the first exam against the open one, or against the latest when the baseline is open', () => {
    expect(defaultExamPair(exams, 2)).toEqual({ baselineStudyRowId: 1, followUpStudyRowId: 2 });
    expect(defaultExamPair(exams, 1)).toEqual({ baselineStudyRowId: 1, followUpStudyRowId: 3 });
    expect(defaultExamPair(exams, null)).toEqual({ baselineStudyRowId: 1, followUpStudyRowId: 3 });
    expect(defaultExamPair(exams.slice(0, 1), 1)).toBeNull();
    expect(validPair(exams, { baselineStudyRowId: 2, followUpStudyRowId: 2 })).toBe(false);
    expect(validPair(exams, { baselineStudyRowId: 2, followUpStudyRowId: 9 })).toBe(false);
    expect(validPair(exams, { baselineStudyRowId: 2, followUpStudyRowId: 3 })).toBe(true);
  });
});

// ---- a baseline (study 1) and a follow-up (study 2) after matching ----

const lesion = (id: number): Lesion => ({
  id,
  patientRowId: 1,
  label: `L${id}`,
  site: 'liver',
  couinaudSegment: null,
  nodeStation: null,
  recistRole: 'target',
  lymphNode: false,
  lesionType: 'metastasis',
  referenceStandard: null,
  notes: '',
  createdAt: '2025-01-10T00:00:00Z',
});
const measured = (longAxisMm: number): LesionCell => ({ measurementId: longAxisMm, seriesId: 10, longAxisMm, shortAxisMm: longAxisMm / 2, volumeMl: null, status: 'measured', measurementCount: 1, recordChosenBy: 'default' });
const statusOnly = (status: LesionCell['status']): LesionCell => ({ measurementId: null, seriesId: null, longAxisMm: null, shortAxisMm: null, volumeMl: null, status, measurementCount: 0, recordChosenBy: null });

// L1: matched (its follow-up finding, once L9, continues it). L2: proposed merge into L10.
// L6: proposed match to L15 and proposed split to L14. L7: on the baseline only, marked disappeared.
// L10, L14, L15: follow-up findings with proposals. L16: a follow-up finding nobody links: new.
const table: LesionTableData = {
  patientRowId: 1,
  exams: exams.slice(0, 2),
  lesions: [1, 2, 6, 7, 10, 14, 15, 16].map(lesion),
  cells: {
    1: { 1: measured(30), 2: measured(24) },
    2: { 1: measured(18) },
    6: { 1: measured(42) },
    7: { 1: measured(15), 2: statusOnly('disappeared') },
    10: { 2: measured(35) },
    14: { 2: measured(22) },
    15: { 2: measured(20) },
    16: { 2: { ...measured(0), measurementId: null, longAxisMm: null, shortAxisMm: null, volumeMl: 2.5 } },
  },
  liverVolumeMl: {},
  lineage: [],
  findings: [],
  pendingLinks: [],
  signoffs: [],
};

let nextId = 1;
function link(kind: LesionLinkRow['kind'], from: number, to: number, status: LesionLinkRow['status'], confidence: number | null, extra: Partial<LesionLinkRow> = {}): LesionLinkRow {
  return {
    id: nextId++,
    patientRowId: 1,
    baselineStudyRowId: 1,
    followUpStudyRowId: 2,
    registrationId: 1,
    kind,
    fromLesionId: from,
    fromLabel: `L${from}`,
    toLesionId: to,
    toLabel: `L${to}`,
    confidence,
    distanceMm: 5,
    overlap: 0.2,
    source: 'matching',
    status,
    auto: status === 'confirmed',
    createdAt: '',
    decidedAt: null,
    ...extra,
  };
}

const links = [
  link('match', 1, 9, 'confirmed', 0.84),
  link('split', 6, 14, 'proposed', 0.48),
  link('match', 6, 15, 'proposed', 0.01),
  link('merge', 2, 10, 'proposed', 0.39),
  link('match', 7, 16, 'rejected', 0.05),
  // Another pair of exams: not this one's business.
  link('match', 2, 16, 'proposed', 0.0, { followUpStudyRowId: 3 }),
];
const pair = { baselineStudyRowId: 1, followUpStudyRowId: 2 };

describe('the links of a baseline and a follow-up', () => {
  it('queues the proposed links least confident first', () => {
    expect(reviewQueue(links.slice(0, 5)).map((l) => `${l.fromLabel}>${l.toLabel} ${l.confidence}`)).toEqual(['L6>L15 0.01', 'L2>L10 0.39', 'L6>L14 0.48']);
  });

  it('sorts the rest into matched, new and gone; a rejected link accounts for nothing', () => {
    const s = summarizeFollowUp(links, table, pair);
    expect(s.queue.map((l) => l.toLabel)).toEqual(['L15', 'L10', 'L14']);
    expect(s.matched.map((l) => `${l.fromLabel}=${l.toLabel}`)).toEqual(['L1=L9']);
    expect(s.splits).toEqual([]);
    // L16 (a mask only, 2.5 mL) has no live link: new. L10/L14/L15 wait in the queue.
    expect(s.newLesions.map((l) => l.label)).toEqual(['L16']);
    // L7 was measured on the baseline and only marked disappeared on the follow-up: gone.
    expect(s.disappeared.map((l) => l.label)).toEqual(['L7']);
    // Confirming the split and the merge moves them to the settled lists.
    const decided = links.map((l) => (l.kind !== 'match' && l.status === 'proposed' ? { ...l, status: 'confirmed' as const } : l));
    const after = summarizeFollowUp(decided, table, pair);
    expect(after.splits.map((l) => l.toLabel)).toEqual(['L14']);
    expect(after.merges.map((l) => l.fromLabel)).toEqual(['L2']);
    expect(after.queue.map((l) => l.toLabel)).toEqual(['L15']);
  });

  it('offers for a relink only baseline lesions that do not continue yet; a split may come from any', () => {
    expect(relinkCandidates(table, pair, 6).map((l) => l.label)).toEqual(['L2', 'L7']);
    expect(relinkCandidates(table, pair, null, 'split').map((l) => l.label)).toEqual(['L1', 'L2', 'L6', 'L7']);
  });
});
