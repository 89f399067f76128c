import { describe, expect, it } from 'vitest';
import type { RegistrationInfo, SeriesSummary } from '../../../../core/api/types';
import { priorFor, type ExamWithSeries } from './priorExam';

const series = (id: number, studyRowId: number, modality = 'CT', sliceCount = 80): SeriesSummary => ({
  id,
  studyRowId,
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

const registration = (id: number, fixedSeriesId: number, movingSeriesId: number, createdAt: string, status: RegistrationInfo['status'] = 'current'): RegistrationInfo => ({
  id,
  patientRowId: 1,
  fixedSeriesId,
  movingSeriesId,
  method: 'elastix-affine',
  matrix4x4: [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ],
  parameters: {},
  landmarks: null,
  metric: null,
  durationMs: null,
  status,
  createdAt,
  supersededAt: null,
});

// Baseline (study 1: a scout and the portal-venous CT), a first follow-up (2), a second (3).
const exams: ExamWithSeries[] = [
  { studyRowId: 1, date: '2025-01-10', series: [series(10, 1, 'CT', 1), series(11, 1, 'CT', 240), series(12, 1, 'SEG', 240)] },
  { studyRowId: 2, date: '2025-04-12', series: [series(20, 2)] },
  { studyRowId: 3, date: '2025-07-15', series: [series(30, 3), series(31, 3, 'CT', 120)] },
];

describe('the prior of an exam (hanging rule)', () => {
  it('without a registration: the latest earlier exam, by its CT volume with the most slices', () => {
    expect(priorFor(31, 3, exams, [])).toEqual({ seriesId: 20, studyRowId: 2, via: 'date' });
    expect(priorFor(20, 2, exams, [])).toEqual({ seriesId: 11, studyRowId: 1, via: 'date' });
  });

  it('the baseline has no prior (it opens alone), nor does an exam without a date', () => {
    expect(priorFor(11, 1, exams, [])).toBeNull();
    expect(priorFor(20, 2, [{ ...exams[1], date: null }, exams[0]], [])).toBeNull();
    // An exam on the same day is not earlier.
    expect(priorFor(20, 2, [{ ...exams[0], date: '2025-04-12' }, exams[1]], [])).toBeNull();
    // Nor is a study outside the patient's exams, or one with no CT volume.
    expect(priorFor(99, 9, exams, [])).toBeNull();
    expect(priorFor(20, 2, [{ ...exams[0], series: [series(10, 1, 'CT', 1)] }, exams[1]], [])).toBeNull();
  });

  it('a registered follow-up opens beside the exam it was registered to, even when another exam lies between', () => {
    const regs = [registration(1, 11, 30, '2025-08-01T10:00:00Z')];
    expect(priorFor(30, 3, exams, regs)).toEqual({ seriesId: 11, studyRowId: 1, via: 'registration' });
    // Another series of the same exam was registered: the exam is registered, so is its prior.
    expect(priorFor(31, 3, exams, regs)).toEqual({ seriesId: 11, studyRowId: 1, via: 'registration' });
    // The baseline is the fixed side: still alone.
    expect(priorFor(11, 1, exams, regs)).toBeNull();
  });

  it('the newest current registration of the open series wins; superseded and later "priors" do not count', () => {
    const regs = [
      registration(1, 11, 30, '2025-08-01T10:00:00Z'),
      registration(2, 20, 30, '2025-08-02T10:00:00Z'),
      registration(3, 11, 30, '2025-08-03T10:00:00Z', 'superseded'),
    ];
    expect(priorFor(30, 3, exams, regs)).toEqual({ seriesId: 20, studyRowId: 2, via: 'registration' });
    // The open series' own registration before one of a sibling series.
    expect(priorFor(30, 3, exams, [registration(4, 20, 31, '2025-09-01T10:00:00Z'), registration(5, 11, 30, '2025-08-01T10:00:00Z')])?.seriesId).toBe(11);
    // A baseline registered (as moving) to a later exam is still a baseline.
    expect(priorFor(11, 1, exams, [registration(6, 30, 11, '2025-08-01T10:00:00Z')])).toBeNull();
  });
});
