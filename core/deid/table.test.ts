import { describe, expect, it } from 'vitest';
import { OPTION_COLUMNS, generatedSource, patternOf, readGeneratedFile, readTableJson } from '../../tools/deid/generateTable';
import { DEFAULT_DEID_OPTIONS, type DeidOptions } from './types';
import { PRIVATE_RULE, TABLE_E11_ROWS, TABLE_E11_VR, actionFor, isPrivateTag, resolveCombinedAction, ruleForTag } from './table';

const NONE: DeidOptions = {
  retainLongitudinalModifiedDates: false,
  retainPatientCharacteristics: false,
  retainDeviceIdentity: false,
  cleanDescriptors: false,
  retainSafePrivate: false,
  includeBurnedIn: false,
};

describe('PS3.15 Table E.1-1 as generated rules', () => {
  it('the checked-in tableE11.generated.ts is exactly what the generator makes from the JSON (rerun tools/deid/generateTable.ts if not)', () => {
    expect(readGeneratedFile() === generatedSource()).toBe(true);
  });

  it('holds every row of the JSON with its tag, name, action and option columns, and keeps the Innolitics MIT notice', () => {
    const json = readTableJson();
    expect(json).toHaveLength(621);
    expect(TABLE_E11_ROWS).toHaveLength(json.length);
    json.forEach((r, i) => {
      const row = TABLE_E11_ROWS[i];
      expect({ tag: row.tag, pattern: row.pattern, name: row.name, basic: row.basic, std: row.inStdCompIOD }).toEqual({
        tag: r.tag,
        pattern: patternOf(r.tag),
        name: r.name,
        basic: r.basicProfile,
        std: r.stdCompIOD === 'Y',
      });
      const columns = Object.fromEntries(OPTION_COLUMNS.filter((c) => r[c]).map((c) => [c, r[c]]));
      expect(row.options).toEqual(columns);
    });
    expect(readGeneratedFile()).toContain('Copyright (c) 2017 Innolitics, LLC.');
  });

  it('has a VR for every public row (wildcard rows by a representative tag)', () => {
    for (const row of TABLE_E11_ROWS) {
      if (row.pattern === 'ODD') continue;
      expect(TABLE_E11_VR[row.pattern], row.tag).toMatch(/^[A-Z]{2}$/);
    }
    expect(TABLE_E11_VR['00100010']).toBe('PN');
    expect(TABLE_E11_VR['00080020']).toBe('DA');
    expect(TABLE_E11_VR['0020000D']).toBe('UI');
    expect(TABLE_E11_VR['00400555']).toBe('SQ');
    expect(TABLE_E11_VR['60XX3000']).toBe('OW');
    expect(TABLE_E11_VR['60XX4000']).toBe('LT');
  });

  it('resolves combined actions to the alternative that keeps every IOD valid (PS3.15 E.1.1)', () => {
    expect(resolveCombinedAction('X/Z')).toBe('Z');
    expect(resolveCombinedAction('X/D')).toBe('D');
    expect(resolveCombinedAction('Z/D')).toBe('D');
    expect(resolveCombinedAction('X/Z/D')).toBe('D');
    expect(resolveCombinedAction('X/Z/U*')).toBe('U');
    for (const a of ['D', 'Z', 'X', 'K', 'C', 'U']) expect(resolveCombinedAction(a)).toBe(a);
    expect(() => resolveCombinedAction('Q')).toThrow(/unknown action/);
    const seen = new Set(TABLE_E11_ROWS.map((r) => r.basic));
    expect([...seen].sort()).toEqual(['D', 'U', 'X', 'X/D', 'X/Z', 'X/Z/D', 'X/Z/U*', 'Z', 'Z/D']);
  });

  it('finds rules by exact tag, by the repeating-group wildcards of curves and overlays, and leaves odd groups to the private rule', () => {
    expect(ruleForTag('00100010')?.row.name).toBe("Patient's Name");
    expect(ruleForTag('00100020')?.basic).toBe('D');
    expect(ruleForTag('00081140')?.basic).toBe('U'); // Referenced Image Sequence X/Z/U*
    expect(ruleForTag('50003000')?.row.name).toBe('Curve Data');
    expect(ruleForTag('501E0010')?.row.name).toBe('Curve Data');
    expect(ruleForTag('60003000')?.row.name).toBe('Overlay Data');
    expect(ruleForTag('601E4000')?.row.name).toBe('Overlay Comments');
    expect(ruleForTag('60000010')).toBeUndefined(); // Overlay Rows: not in the table
    expect(ruleForTag('00280010')).toBeUndefined(); // Rows
    expect(ruleForTag('50013000')).toBeUndefined(); // odd: private, not a curve
    expect(isPrivateTag('50013000')).toBe(true);
    expect(isPrivateTag('00091001')).toBe(true);
    expect(isPrivateTag('00100010')).toBe(false);
    expect(PRIVATE_RULE.row.name).toBe('Private Attributes');
    expect(PRIVATE_RULE.basic).toBe('X');
    expect(PRIVATE_RULE.row.options.rtnSafePrivOpt).toBe('C');
  });

  it('applies the column of each selected option, and the more protective action when two selected options disagree', () => {
    const studyDate = ruleForTag('00080020')!; // Z; Modified Dates C
    expect(actionFor(studyDate, NONE)).toBe('Z');
    expect(actionFor(studyDate, DEFAULT_DEID_OPTIONS)).toBe('C');
    const sex = ruleForTag('00100040')!; // Z; Patient Characteristics K
    expect(actionFor(sex, NONE)).toBe('Z');
    expect(actionFor(sex, { ...NONE, retainPatientCharacteristics: true })).toBe('K');
    const studyDescription = ruleForTag('00081030')!; // X; Clean Descriptors C
    expect(actionFor(studyDescription, { ...NONE, cleanDescriptors: true })).toBe('C');
    const stationName = ruleForTag('00081010')!; // X/Z/D; Device Identity K
    expect(actionFor(stationName, NONE)).toBe('D');
    expect(actionFor(stationName, { ...NONE, retainDeviceIdentity: true })).toBe('K');
    // Date of Last Calibration: X; Device Identity K; Modified Dates C. Kept verbatim it would give the shift away.
    const calibration = ruleForTag('00181200')!;
    expect(actionFor(calibration, NONE)).toBe('X');
    expect(actionFor(calibration, { ...NONE, retainDeviceIdentity: true })).toBe('K');
    expect(actionFor(calibration, { ...NONE, retainLongitudinalModifiedDates: true })).toBe('C');
    expect(actionFor(calibration, { ...NONE, retainDeviceIdentity: true, retainLongitudinalModifiedDates: true })).toBe('C');
    // Options DeidOptions does not offer (Retain UIDs, Institution Identity) never apply.
    expect(actionFor(ruleForTag('0020000D')!, { ...DEFAULT_DEID_OPTIONS, retainDeviceIdentity: true })).toBe('U');
    expect(actionFor(ruleForTag('00080080')!, DEFAULT_DEID_OPTIONS)).toBe('D');
  });
});
