import { describe, expect, it } from 'vitest';
import { CohortFilterError, evaluateCohortFilter, fieldsOf, formatCohortFilter, parseCohortFilter, type CohortRow } from './filter';

const row = (over: Partial<Record<keyof CohortRow, CohortRow[keyof CohortRow]>> = {}): CohortRow => ({
  site: 'liver',
  type: 'metastasis',
  role: 'target',
  reference: 'histopathology',
  model: true,
  lineage: [],
  response: 'PR',
  lastResponse: 'SD',
  exams: 3,
  lesions: 2,
  sex: 'F',
  date: '2021-06-01',
  age: 64,
  modality: 'CT',
  scanner: 'SIEMENS SOMATOM Force',
  ...over,
});

function errorOf(text: string): CohortFilterError {
  try {
    parseCohortFilter(text);
  } catch (e) {
    expect(e).toBeInstanceOf(CohortFilterError);
    return e as CohortFilterError;
  }
  throw new Error(`no error for ${text}`);
}

const EXAMPLE = 'site=liver and type=metastasis and response in (PR,CR) and exams>=3 and date>=2020-01-01 and model=yes and reference=histology and scanner~"SOMATOM"';

describe('the cohort filter: parsing', () => {
  it('parses the example to an AST with canonical values', () => {
    const e = parseCohortFilter(EXAMPLE);
    expect(e.kind).toBe('and');
    if (e.kind !== 'and') return;
    expect(e.terms).toHaveLength(8);
    expect(e.terms[0]).toEqual({ kind: 'compare', field: 'site', op: '=', value: 'liver', position: 1 });
    expect(e.terms[2]).toEqual({ kind: 'in', field: 'response', values: ['PR', 'CR'], negated: false, position: 36 });
    expect(e.terms[3]).toMatchObject({ field: 'exams', op: '>=', value: 3 });
    expect(e.terms[4]).toMatchObject({ field: 'date', op: '>=', value: '2020-01-01' });
    expect(e.terms[5]).toMatchObject({ field: 'model', value: true });
    // An alias: histology is the reference standard histopathology.
    expect(e.terms[6]).toMatchObject({ field: 'reference', value: 'histopathology' });
    expect(e.terms[7]).toMatchObject({ field: 'scanner', op: '~', value: 'SOMATOM' });
    expect(fieldsOf(e)).toEqual(['site', 'type', 'reference', 'model', 'response', 'exams', 'date', 'scanner']);
  });

  it('is case-insensitive for keywords, fields and enum values; and binds tighter than or; parentheses and not', () => {
    const e = parseCohortFilter('SITE=Liver OR type=cyst AND not (sex=f)');
    expect(e).toEqual({
      kind: 'or',
      terms: [
        { kind: 'compare', field: 'site', op: '=', value: 'liver', position: 1 },
        { kind: 'and', terms: [{ kind: 'compare', field: 'type', op: '=', value: 'cyst', position: 15 }, { kind: 'not', expr: { kind: 'compare', field: 'sex', op: '=', value: 'F', position: 34 } }] },
      ],
    });
    expect(parseCohortFilter('lastresponse=non-cr/non-pd')).toMatchObject({ field: 'lastResponse', value: 'non-CR/non-PD' });
    expect(parseCohortFilter("scanner='GE MEDICAL'")).toMatchObject({ value: 'GE MEDICAL' });
    expect(parseCohortFilter('reference=none')).toMatchObject({ value: null });
    expect(parseCohortFilter('type not in (cyst, hemangioma)')).toMatchObject({ kind: 'in', negated: true, values: ['cyst', 'hemangioma'] });
    expect(parseCohortFilter('date>=20200101')).toMatchObject({ value: '2020-01-01' });
  });

  it('prints a canonical form that parses back to the same AST', () => {
    for (const text of [EXAMPLE, 'site=liver or (type=cyst and not sex=F)', 'scanner~"a \\"quoted\\" name"', 'lineage=none and age<70', '(site=liver or site=lung) and exams>1']) {
      const e = parseCohortFilter(text);
      expect(parseCohortFilter(formatCohortFilter(e))).toEqual(stripPositions(e, formatCohortFilter(e)));
    }
    expect(formatCohortFilter(parseCohortFilter('(site = liver or site = lung) and exams > 1'))).toBe('(site=liver or site=lung) and exams>1');
  });

  it('names the position and the field in its errors', () => {
    expect(errorOf('sitee=liver').message).toBe(
      "unknown field 'sitee' at 1 (did you mean 'site'?); fields: site, type, role, reference, model, lineage, response, lastResponse, exams, lesions, sex, date, age, modality, scanner",
    );
    expect(errorOf('site=livr').message).toMatch(/^unknown value 'livr' for site at 6 \(did you mean 'liver'\?\); values: liver, lymph-node, lung, peritoneum, other$/);
    expect(errorOf('site=liver and exams>=three').message).toBe("exams at 23 needs a number, got 'three'");
    expect(errorOf('date>=2020-13-01')).toMatchObject({ position: 7, kind: 'invalid' });
    expect(errorOf('date>=2020-13-01').message).toContain('needs a date YYYY-MM-DD');
    expect(errorOf('site<liver').message).toBe("operator '<' does not apply to site at 5; use =, !=, in");
    expect(errorOf('site=liver and').message).toBe('expected a field at 15 (the filter ends there); fields: site, type, role, reference, model, lineage, response, lastResponse, exams, lesions, sex, date, age, modality, scanner');
    expect(errorOf('(site=liver').message).toBe("expected ')' at 12 to close the '(' at 1, got the end of the filter");
    expect(errorOf('site=liver type=cyst').message).toBe("expected 'and', 'or' or the end at 12, got 'type'");
    expect(errorOf('response in (PR CR)').message).toBe("expected ',' or ')' at 17 in the list of response values, got 'CR'");
    expect(errorOf('scanner~"SOMATOM').message).toBe('unterminated quoted text at 9: add the closing "');
    expect(errorOf('site=liver & type=cyst').message).toBe("unexpected character '&' at 12");
    expect(errorOf('model=maybe').message).toBe("model at 7 is yes or no, got 'maybe'");
    expect(errorOf('  ').message).toMatch(/^the filter is empty/);
    expect(errorOf('date in (2020-01-01)').message).toMatch(/'in' does not apply to date at 6/);
  });
});

/** The AST as reparsed from `text` (positions move when the text is reformatted): compare without positions. */
function stripPositions<T>(e: T, _text: string): T {
  return JSON.parse(JSON.stringify(e), (k, v) => (k === 'position' ? expect.any(Number) : v)) as T;
}

describe('the cohort filter: evaluation over plain rows', () => {
  it('matches the example row and not its variations', () => {
    const e = parseCohortFilter(EXAMPLE);
    expect(evaluateCohortFilter(e, row())).toBe(true);
    expect(evaluateCohortFilter(e, row({ site: 'lung' }))).toBe(false);
    expect(evaluateCohortFilter(e, row({ response: 'SD' }))).toBe(false);
    expect(evaluateCohortFilter(e, row({ exams: 2 }))).toBe(false);
    expect(evaluateCohortFilter(e, row({ date: '2019-12-31' }))).toBe(false);
    expect(evaluateCohortFilter(e, row({ model: false }))).toBe(false);
    expect(evaluateCohortFilter(e, row({ scanner: 'GE LightSpeed' }))).toBe(false);
    expect(evaluateCohortFilter(e, row({ scanner: null }))).toBe(false);
  });

  it('a missing value compares false, != included; =none and !=none test for it; not negates', () => {
    const noLesion = row({ site: null, type: null, role: null, reference: null, model: null, lineage: null });
    expect(evaluateCohortFilter(parseCohortFilter('site=liver'), noLesion)).toBe(false);
    expect(evaluateCohortFilter(parseCohortFilter('site!=liver'), noLesion)).toBe(false);
    expect(evaluateCohortFilter(parseCohortFilter('not site=liver'), noLesion)).toBe(true);
    expect(evaluateCohortFilter(parseCohortFilter('site not in (lung)'), noLesion)).toBe(false);
    expect(evaluateCohortFilter(parseCohortFilter('reference=none'), row({ reference: null }))).toBe(true);
    expect(evaluateCohortFilter(parseCohortFilter('reference!=none'), row())).toBe(true);
    expect(evaluateCohortFilter(parseCohortFilter('response=none'), row({ response: null }))).toBe(true);
  });

  it('lineage is a list: split, merged, none', () => {
    expect(evaluateCohortFilter(parseCohortFilter('lineage=none'), row())).toBe(true);
    expect(evaluateCohortFilter(parseCohortFilter('lineage=split'), row({ lineage: ['split', 'merged'] }))).toBe(true);
    expect(evaluateCohortFilter(parseCohortFilter('lineage=merged'), row({ lineage: ['split'] }))).toBe(false);
    expect(evaluateCohortFilter(parseCohortFilter('lineage!=none'), row({ lineage: ['merged'] }))).toBe(true);
    expect(evaluateCohortFilter(parseCohortFilter('lineage in (merged, none)'), row())).toBe(true);
  });

  it('numbers, dates and text compare as such; ~ is a case-insensitive substring', () => {
    expect(evaluateCohortFilter(parseCohortFilter('age>=64 and age<65'), row())).toBe(true);
    expect(evaluateCohortFilter(parseCohortFilter('exams in (1,3)'), row())).toBe(true);
    expect(evaluateCohortFilter(parseCohortFilter('date>2021-05-31 and date<=2021-06-01'), row())).toBe(true);
    expect(evaluateCohortFilter(parseCohortFilter('scanner~somatom and scanner!~GE'), row())).toBe(true);
    expect(evaluateCohortFilter(parseCohortFilter('modality=ct'), row())).toBe(true);
    expect(evaluateCohortFilter(parseCohortFilter('sex=male or sex=female'), row())).toBe(true);
  });
});
