/**
 * The prior of an exam, for the hanging rule (a follow-up opens beside its prior): the exam
 * the open series was registered to, otherwise the most recent earlier exam of the patient.
 * Pure functions on plain API data, tested beside this file.
 */
import type { LongitudeApi } from '../../../../core/api/contract';
import type { RegistrationInfo, SeriesDetail, SeriesSummary } from '../../../../core/api/types';
import { primarySeriesId } from './followUpModel';

/** One exam of the patient with its series (listStudies + listSeries). */
export interface ExamWithSeries {
  studyRowId: number;
  /** YYYY-MM-DD, or null when the study has no date. */
  date: string | null;
  series: readonly SeriesSummary[];
}

export interface PriorChoice {
  seriesId: number;
  studyRowId: number;
  /** Through the registration of the open exam to it, or as the latest earlier exam. */
  via: 'registration' | 'date';
}

/**
 * The prior of the open series (in exam `openStudyRowId`), or null for a baseline.
 *
 * 1. A current registration whose moving series is the open one (else another series of its
 *    exam): its fixed series — the exam the follow-up was registered to. The newest
 *    registration wins; a "prior" dated after the open exam is not one.
 * 2. Otherwise the latest exam dated before the open one, shown by its CT volume with the most
 *    slices (the series registration uses). Exams without a date, or on the same day, are not
 *    earlier.
 */
export function priorFor(openSeriesId: number, openStudyRowId: number, exams: readonly ExamWithSeries[], registrations: readonly RegistrationInfo[]): PriorChoice | null {
  const open = exams.find((e) => e.studyRowId === openStudyRowId);
  if (!open) return null;
  const examOf = new Map<number, ExamWithSeries>();
  for (const e of exams) for (const s of e.series) examOf.set(s.id, e);
  const notLater = (e: ExamWithSeries) => e.date === null || open.date === null || e.date <= open.date;

  const registered = registrations
    .filter((r) => r.status === 'current' && examOf.get(r.movingSeriesId) === open)
    .filter((r) => {
      const fixed = examOf.get(r.fixedSeriesId);
      return fixed !== undefined && fixed !== open && notLater(fixed);
    })
    .sort((a, b) => Number(b.movingSeriesId === openSeriesId) - Number(a.movingSeriesId === openSeriesId) || b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
  if (registered[0]) {
    const fixedSeriesId = registered[0].fixedSeriesId;
    return { seriesId: fixedSeriesId, studyRowId: examOf.get(fixedSeriesId)!.studyRowId, via: 'registration' };
  }

  if (open.date === null) return null;
  const earlier = exams
    .filter((e) => e !== open && e.date !== null && e.date < open.date!)
    .sort((a, b) => b.date!.localeCompare(a.date!) || b.studyRowId - a.studyRowId);
  for (const e of earlier) {
    const seriesId = primarySeriesId(e.series.filter((s) => s.modality === 'CT' && s.sliceCount > 1));
    if (seriesId !== null) return { seriesId, studyRowId: e.studyRowId, via: 'date' };
  }
  return null;
}

/**
 * The prior of an open series, read from the workstation: its patient (by the DICOM patient
 * and the study that holds the series), the patient's exams with their series, and the
 * patient's registrations. Null for a baseline, or when the patient is not found.
 */
export async function loadPriorExam(
  api: Pick<LongitudeApi, 'listPatients' | 'listStudies' | 'listSeries' | 'listRegistrations'>,
  open: Pick<SeriesDetail, 'id' | 'studyRowId' | 'patient'>,
): Promise<PriorChoice | null> {
  const candidates = (await api.listPatients()).filter((p) => p.patientId === open.patient.patientId);
  for (const patient of candidates) {
    const studies = await api.listStudies(patient.id);
    if (!studies.some((s) => s.id === open.studyRowId)) continue;
    const exams: ExamWithSeries[] = await Promise.all(studies.map(async (s) => ({ studyRowId: s.id, date: s.date, series: await api.listSeries(s.id) })));
    return priorFor(open.id, open.studyRowId, exams, await api.listRegistrations(patient.id));
  }
  return null;
}
