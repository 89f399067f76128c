import { describe, expect, it } from 'vitest';
import { parseCohortFilter } from './filter';
import { ageYears, cohortRows, matchCohort, matchPatient, patientStratum, responsesOf, type CohortPatientFacts } from './rows';

const exam = (studyRowId: number, date: string, scanner: string | null = 'SIEMENS SOMATOM Force') => ({ studyRowId, date, ageYears: 60, modality: 'CT', scanner });
const lesion = (lesionId: number, over: Partial<CohortPatientFacts['lesions'][number]> = {}) => ({
  lesionId,
  label: `L${lesionId}`,
  site: 'liver',
  type: 'metastasis',
  role: 'target',
  reference: null,
  model: false,
  lineage: [] as ('split' | 'merged')[],
  ...over,
});

const A: CohortPatientFacts = {
  patientRowId: 1,
  sex: 'F',
  response: 'PR',
  lastResponse: 'PR',
  exams: [exam(10, '2019-06-01'), exam(11, '2020-02-01'), exam(12, '2020-09-01', 'GE LightSpeed')],
  lesions: [lesion(100), lesion(101, { type: 'cyst', role: 'non-target' }), lesion(102, { site: 'lung', model: true, lineage: ['split'] })],
};
const B: CohortPatientFacts = { patientRowId: 2, sex: 'M', response: null, lastResponse: null, exams: [exam(20, '2021-01-01')], lesions: [] };

describe('cohort rows', () => {
  it('one row per exam × lesion, one per exam without lesions', () => {
    expect(cohortRows(A)).toHaveLength(9);
    const b = cohortRows(B);
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ studyRowId: 20, lesionId: null, row: { site: null, model: null, lineage: null, exams: 1, lesions: 0, sex: 'M' } });
  });

  it('a patient matches when a row does; its exams and lesions are those of the matching rows', () => {
    expect(matchPatient(parseCohortFilter('site=liver and type=metastasis and date>=2020-01-01'), A)).toEqual({ patientRowId: 1, studyRowIds: [11, 12], lesionIds: [100] });
    expect(matchPatient(parseCohortFilter('scanner~somatom'), A)).toEqual({ patientRowId: 1, studyRowIds: [10, 11], lesionIds: [100, 101, 102] });
    expect(matchPatient(parseCohortFilter('model=yes and lineage=split'), A)).toEqual({ patientRowId: 1, studyRowIds: [10, 11, 12], lesionIds: [102] });
    expect(matchPatient(parseCohortFilter('site=liver'), B)).toBeNull();
    expect(matchCohort(parseCohortFilter('lesions=0'), [A, B])).toEqual([{ patientRowId: 2, studyRowIds: [20], lesionIds: [] }]);
    expect(matchCohort(parseCohortFilter('exams>=1'), [A, B]).map((m) => m.patientRowId)).toEqual([1, 2]);
  });

  it('strata: a patient field as it is, a lesion or exam field by majority, none without a value', () => {
    expect(patientStratum('response', A)).toBe('PR');
    expect(patientStratum('response', B)).toBe('none');
    expect(patientStratum('type', A)).toBe('metastasis');
    expect(patientStratum('site', A)).toBe('liver');
    expect(patientStratum('type', B)).toBe('none');
    expect(patientStratum('model', A)).toBe('no');
    expect(patientStratum('scanner', A)).toBe('SIEMENS SOMATOM Force');
    // Ties go to the field's order of values: metastasis before cyst.
    expect(patientStratum('type', { ...A, lesions: [lesion(1, { type: 'cyst' }), lesion(2)] })).toBe('metastasis');
    expect(() => patientStratum('date', A)).toThrow(/not one category per patient/);
  });

  it('age from the birth date, else from Patient’s Age', () => {
    expect(ageYears('1960-06-15', '2020-06-14')).toBe(59);
    expect(ageYears('1960-06-15', '2020-06-15')).toBe(60);
    expect(ageYears(null, '2020-06-15', '060Y')).toBe(60);
    expect(ageYears(null, null, '018M')).toBe(1);
    expect(ageYears(null, '2020-01-01')).toBeNull();
  });

  it('responses: best overall and the last follow-up', () => {
    expect(responsesOf({ recist: null })).toEqual({ response: null, lastResponse: null });
    const recist = {
      bestOverallResponse: 'PR',
      timepoints: [{ baseline: true, overallResponse: null }, { baseline: false, overallResponse: 'PR' }, { baseline: false, overallResponse: 'PD' }],
    } as never;
    expect(responsesOf({ recist })).toEqual({ response: 'PR', lastResponse: 'PD' });
  });
});
