import { describe, expect, it } from 'vitest';
import { identifyingStrings, makeCleaner } from './clean';
import { shiftDA, shiftDT } from './dates';
import { DUMMY, deidentify, exclusionReason, methodCodes } from './deidentify';
import { TABLE_E11_ROWS, TABLE_E11_VR, actionFor, resolveCombinedAction, type DeidAction, type TableE11OptionColumn, type TableE11Row } from './table';
import { DEFAULT_DEID_OPTIONS, type DeidInput, type DeidOptions, type DeidResult, type DicomDict, type DicomElement, type PatientPseudonym } from './types';

// ---------------------------------------------------------------------------------------------
// Fixtures

/** Options all off: the Basic Profile alone. */
const BASIC: DeidOptions = {
  retainLongitudinalModifiedDates: false,
  retainPatientCharacteristics: false,
  retainDeviceIdentity: false,
  cleanDescriptors: false,
  retainSafePrivate: false,
  includeBurnedIn: false,
};

/** A deterministic stand-in for the caller's HMAC: FNV-1a 64 of the UID under the 2.25 root. */
function fakeUid(original: string): string {
  let h = 0xcbf29ce484222325n;
  for (const ch of original) h = ((h ^ BigInt(ch.charCodeAt(0))) * 0x100000001b3n) & 0xffffffffffffffffn;
  return `2.25.${h}`;
}

const PSEUDONYM: PatientPseudonym = { pseudonymId: 'LGT-7F3A', pseudonymName: 'LGT^7F3A', dateOffsetDays: 30, uid: fakeUid };
const IDENTIFYING = ['Doe^John', '12345', '19600131'];

function run(dataset: DicomDict, options: Partial<DeidOptions> = {}, extra: Partial<DeidInput> = {}): DeidResult {
  return deidentify({
    dataset,
    options: { ...BASIC, ...options },
    pseudonym: PSEUDONYM,
    identifyingValues: IDENTIFYING,
    software: 'Longitude 0.1.0',
    ...extra,
  });
}

const el = (vr: string, ...Value: unknown[]): DicomElement => ({ vr, Value });
const str = (e: DicomElement | undefined) => e?.Value?.[0];
const bytes = (...b: number[]) => new Uint8Array(b).buffer;

/** The attribute of a table row: wildcard digits filled (curve 5002, overlay group 6002). */
function tagOf(row: TableE11Row): string {
  if (row.pattern === '50XXXXXX') return '50023000';
  return row.pattern.replace('XXXX', '3000').replace('XX', '02');
}

const PLANTED_UID = '1.3.6.1.4.1.99999.1.2.3';
const PLANTED_TEXT = 'Seen by Doe John 12345 today';

/** A value of this VR that identifies: the name, the ID, a date, a UID, bytes. */
function planted(vr: string): DicomElement {
  switch (vr) {
    case 'SQ':
      return el('SQ', {
        '00080100': el('SH', 'PHI1234'),
        '00080102': el('SH', '99PHI'),
        '00080104': el('LO', 'Doe John'),
        '00081155': el('UI', PLANTED_UID),
      });
    case 'PN':
      return el('PN', { Alphabetic: 'Doe^John' });
    case 'DA':
      return el('DA', '20240131');
    case 'DT':
      return el('DT', '20240131123000.5+0100');
    case 'TM':
      return el('TM', '123000');
    case 'UI':
      return el('UI', PLANTED_UID);
    case 'AS':
      return el('AS', '063Y');
    case 'DS':
    case 'FL':
    case 'FD':
      return el(vr, 72.5);
    case 'IS':
    case 'US':
    case 'SS':
    case 'UL':
    case 'SL':
      return el(vr, 7);
    case 'UR':
      return el('UR', 'http://example.org/doe-john-12345');
    case 'OB':
    case 'OW':
    case 'UN':
      return el(vr, bytes(1, 2, 3, 4));
    default:
      return el(vr, PLANTED_TEXT);
  }
}

/** The VR a test plants for a row: its dictionary VR. */
const vrOfRow = (row: TableE11Row) => TABLE_E11_VR[row.pattern];

const PATIENT_ROWS = new Set(['00100010', '00100020']);

/** What the result must show for a row planted with its VR's value under `action`. */
function expectAction(row: TableE11Row, action: DeidAction, result: DeidResult, options: DeidOptions) {
  const tag = tagOf(row);
  const vr = vrOfRow(row);
  const input = planted(vr);
  const out = result.dataset[tag];
  const label = `${row.tag} ${row.name} (${vr}) ${action}`;
  if (tag === '00100010') return expect(out, label).toEqual(el('PN', { Alphabetic: PSEUDONYM.pseudonymName }));
  if (tag === '00100020') return expect(out, label).toEqual(el('LO', PSEUDONYM.pseudonymId));
  switch (action) {
    case 'X':
      expect(out, label).toBeUndefined();
      break;
    case 'Z':
      // X/Z on a sequence removes it (zero items are invalid where it is Type 3).
      if (vr === 'SQ' && row.basic.startsWith('X/')) expect(out, label).toBeUndefined();
      else expect(out, label).toEqual({ vr, Value: [] });
      break;
    case 'K':
      if (vr === 'SQ') {
        // Kept, and its items get the profile: the code stays, the instance UID is remapped.
        const item = out?.Value?.[0] as DicomDict;
        expect(item['00080100'], label).toEqual(el('SH', 'PHI1234'));
        expect(item['00081155'], label).toEqual(el('UI', fakeUid(PLANTED_UID)));
      } else expect(out, label).toEqual(input);
      break;
    case 'D': {
      expect(out?.Value?.length, label).toBeGreaterThan(0);
      const text = JSON.stringify(out, (_k, v) => (v instanceof ArrayBuffer ? [...new Uint8Array(v)] : v));
      for (const phi of ['Doe', 'John', '12345', '20240131', PLANTED_UID, 'PHI1234', '063Y', '[1,2,3,4]']) expect(text, label).not.toContain(phi);
      if (vr !== 'SQ' && !/^O|UN/.test(vr)) expect(out?.Value, label).not.toEqual(input.Value);
      break;
    }
    case 'U':
      if (vr === 'SQ') expect((out?.Value?.[0] as DicomDict)['00081155'], label).toEqual(el('UI', fakeUid(PLANTED_UID)));
      else expect(out, label).toEqual(el('UI', fakeUid(PLANTED_UID)));
      break;
    case 'C':
      expectCleaned(row, vr, out, options, label);
      break;
  }
}

function expectCleaned(row: TableE11Row, vr: string, out: DicomElement | undefined, options: DeidOptions, label: string) {
  if (vr === 'DA') return expect(out, label).toEqual(el('DA', '20240301'));
  if (vr === 'DT') return expect(out, label).toEqual(el('DT', '20240301123000.5+0100'));
  if (vr === 'TM') return expect(out, label).toEqual(el('TM', '123000'));
  if (vr === 'PN') return expect(out, label).toEqual(el('PN', { Alphabetic: '' }));
  if (vr === 'SQ') return expect((out?.Value?.[0] as DicomDict)['00081155'], label).toEqual(el('UI', fakeUid(PLANTED_UID)));
  if (/^O|UN/.test(vr)) {
    // Bytes cannot be cleaned: the Basic Profile action applies.
    return expectAction(row, resolveCombinedAction(row.basic), run({ [tagOf(row)]: planted(vr) }, options), options);
  }
  expect(out, label).toEqual(el(vr, 'Seen by today'));
}

const COLUMN_OF: Record<Exclude<keyof DeidOptions, 'includeBurnedIn' | 'retainSafePrivate'>, TableE11OptionColumn> = {
  retainLongitudinalModifiedDates: 'rtnLongModifDatesOpt',
  retainPatientCharacteristics: 'rtnPatCharsOpt',
  retainDeviceIdentity: 'rtnDevIdOpt',
  cleanDescriptors: 'cleanDescOpt',
};

const PUBLIC_ROWS = TABLE_E11_ROWS.filter((r) => r.pattern !== 'ODD');

// ---------------------------------------------------------------------------------------------

describe('the Basic Profile, row by row of Table E.1-1', () => {
  it.each(PUBLIC_ROWS.map((row) => [`${row.tag} ${row.name.split('\n')[0]}: ${row.basic}`, row] as const))('%s', (_label, row) => {
    const result = run({ [tagOf(row)]: planted(vrOfRow(row)) });
    expect(result.excluded).toBeNull();
    const action = resolveCombinedAction(row.basic);
    expectAction(row, action, result, BASIC);
    const counted: DeidAction = PATIENT_ROWS.has(tagOf(row)) ? 'D' : action === 'Z' && vrOfRow(row) === 'SQ' && row.basic.startsWith('X/') ? 'X' : action;
    expect(result.counts[counted], 'counted under its action').toBeGreaterThanOrEqual(1);
    if (vrOfRow(row) !== 'SQ') {
      expect(result.counts).toEqual({ D: 0, Z: 0, X: 0, K: 0, C: 0, U: 0, private: 0, [counted]: 1 });
    }
  });
});

describe('each option, row by row where its column differs from the Basic Profile', () => {
  for (const [option, column] of Object.entries(COLUMN_OF) as [keyof typeof COLUMN_OF, TableE11OptionColumn][]) {
    const rows = PUBLIC_ROWS.filter((r) => r.options[column]);
    it(`${option} (${column}): ${rows.length} rows`, () => {
      expect(rows.length).toBeGreaterThan(0);
      const options = { ...BASIC, [option]: true };
      for (const row of rows) {
        const result = run({ [tagOf(row)]: planted(vrOfRow(row)) }, options);
        const action = actionFor({ row, basic: resolveCombinedAction(row.basic) }, options);
        expect(action, row.tag).toBe(row.options[column]);
        expectAction(row, action, result, options);
      }
    });
  }

  it('Retain Patient Characteristics keeps sex, age, size and weight; the Basic Profile empties or removes them', () => {
    const ds = { '00100040': el('CS', 'F'), '00101010': el('AS', '063Y'), '00101020': el('DS', 1.62), '00101030': el('DS', 58) };
    const basic = run(ds).dataset;
    expect(basic['00100040']).toEqual(el('CS'));
    expect(basic['00101010'] ?? basic['00101020'] ?? basic['00101030']).toBeUndefined();
    const kept = run(ds, { retainPatientCharacteristics: true }).dataset;
    for (const [tag, value] of Object.entries(ds)) expect(kept[tag]).toEqual(value);
  });

  it('Retain Device Identity keeps the station name and serial number', () => {
    const ds = { '00081010': el('SH', 'CT-ROOM-3'), '00181000': el('LO', 'SN 889123') };
    expect(run(ds).dataset['00081010']).toEqual(el('SH', DUMMY.text));
    expect(run(ds).dataset['00181000']).toEqual(el('LO', DUMMY.text));
    expect(run(ds, { retainDeviceIdentity: true }).dataset).toMatchObject(ds);
  });
});

describe('sequences', () => {
  it('are processed at every depth: three levels of items each get the profile', () => {
    const ds: DicomDict = {
      '00081115': el('SQ', {
        // Referenced Series Sequence: not in the table, kept and walked
        '0020000E': el('UI', '1.3.6.1.4.1.99999.2'),
        '00080080': el('LO', 'St Elsewhere Hospital'), // X/Z/D → D
        '0008114A': el('SQ', {
          '00081150': el('UI', '1.2.840.10008.5.1.4.1.1.2'),
          '00081155': el('UI', '1.3.6.1.4.1.99999.3'),
          '00082112': el('SQ', {
            '00081155': el('UI', '1.3.6.1.4.1.99999.4'),
            '00081070': el('PN', { Alphabetic: 'Tech^Tom' }), // Operators' Name X/Z/D → D
            '00100010': el('PN', { Alphabetic: 'Doe^John' }),
            '00080090': el('PN', { Alphabetic: 'Ref^Rita' }), // Z
            '00181030': el('LO', 'Liver Doe'), // Protocol Name X/D → D
            '00321060': el('LO', 'CT Abdomen'), // X/Z → Z
            '00081040': el('LO', 'Radiology'), // X
            '00091010': el('LO', 'CREATOR'),
            '00091001': el('LO', 'private at depth 3'),
          }),
        }),
      }),
    };
    const r = run(ds);
    const level1 = r.dataset['00081115'].Value![0] as DicomDict;
    const level2 = level1['0008114A'].Value![0] as DicomDict;
    const level3 = level2['00082112'].Value![0] as DicomDict;
    expect(level1['0020000E']).toEqual(el('UI', fakeUid('1.3.6.1.4.1.99999.2')));
    expect(level1['00080080']).toEqual(el('LO', DUMMY.text));
    expect(level2['00081150']).toEqual(el('UI', '1.2.840.10008.5.1.4.1.1.2'));
    expect(level2['00081155']).toEqual(el('UI', fakeUid('1.3.6.1.4.1.99999.3')));
    expect(level3).toEqual({
      '00081155': el('UI', fakeUid('1.3.6.1.4.1.99999.4')),
      '00081070': el('PN', { Alphabetic: DUMMY.text }),
      '00100010': el('PN', { Alphabetic: PSEUDONYM.pseudonymName }),
      '00080090': el('PN'),
      '00181030': el('LO', DUMMY.text),
      '00321060': el('LO'),
    });
    // U: the Series Instance UID, two Referenced SOP Instance UIDs and Source Image Sequence (X/Z/U*) itself.
    expect(r.counts).toEqual({ D: 4, Z: 2, X: 1, K: 0, C: 0, U: 4, private: 2 });
  });

  it('X removes a sequence whole, Z empties it, K keeps and walks its items', () => {
    const item = { '00081155': el('UI', PLANTED_UID), '00100010': el('PN', { Alphabetic: 'Doe^John' }) };
    const ds = {
      '00101002': el('SQ', { '00100020': el('LO', 'OTHER-ID') }), // Other Patient IDs Sequence: X
      '00081110': el('SQ', item), // Referenced Study Sequence: X/Z → removed (zero items are invalid where it is Type 3)
      '00081140': el('SQ', item), // Referenced Image Sequence: X/Z/U* → U
    };
    const r = run(ds).dataset;
    expect(r['00101002']).toBeUndefined();
    expect(r['00081110']).toBeUndefined();
    expect(r['00081140']).toEqual(el('SQ', { '00081155': el('UI', fakeUid(PLANTED_UID)), '00100010': el('PN', { Alphabetic: PSEUDONYM.pseudonymName }) }));
  });

  it('D on a code sequence puts one dummy code in place of the identifying codes; D on the SR Content Sequence keeps the tree with each item de-identified', () => {
    const ds = {
      '00080082': el('SQ', { '00080100': el('SH', 'MGH'), '00080102': el('SH', '99HOSP'), '00080104': el('LO', 'Mass General') }),
      '0040A730': el(
        'SQ',
        {
          '0040A040': el('CS', 'TEXT'),
          '0040A160': el('UT', 'Lesion stable since Doe John was seen on 31/01/1960'),
        },
        {
          '0040A040': el('CS', 'PNAME'),
          '0040A123': el('PN', { Alphabetic: 'Observer^Olga' }),
        },
        {
          '0040A040': el('CS', 'DATE'),
          '0040A121': el('DA', '20240131'),
        },
      ),
    };
    const r = run(ds, { retainLongitudinalModifiedDates: true }).dataset;
    expect(r['00080082']).toEqual(el('SQ', { '00080100': el('SH', 'ANONYMIZED'), '00080102': el('SH', '99LONGITUDE'), '00080104': el('LO', 'Anonymized') }));
    const [text, pname, date] = r['0040A730'].Value as DicomDict[];
    expect(text['0040A160']).toEqual(el('UT', 'Lesion stable since was seen on'));
    expect(pname['0040A123']).toEqual(el('PN', { Alphabetic: DUMMY.text }));
    expect(date['0040A121']).toEqual(el('DA', '20240301'));
  });
});

describe('UIDs', () => {
  const image = (sop: string, source?: string): DicomDict => ({
    '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.2'),
    '00080018': el('UI', sop),
    '0020000D': el('UI', '1.3.6.1.4.1.99999.100'),
    '0020000E': el('UI', '1.3.6.1.4.1.99999.100.1'),
    '00200052': el('UI', '1.3.6.1.4.1.99999.100.9'),
    ...(source ? { '00082112': el('SQ', { '00081150': el('UI', '1.2.840.10008.5.1.4.1.1.2'), '00081155': el('UI', source) }) } : {}),
  });

  it('the same UID maps to the same new UID everywhere; references in sequences match the new SOP Instance UIDs', () => {
    const a = run(image('1.3.6.1.4.1.99999.100.1.1'));
    const b = run(image('1.3.6.1.4.1.99999.100.1.2', '1.3.6.1.4.1.99999.100.1.1'));
    expect(str(a.dataset['00080018'])).not.toBe('1.3.6.1.4.1.99999.100.1.1');
    expect(str(a.dataset['0020000D'])).toBe(str(b.dataset['0020000D']));
    expect(str(a.dataset['0020000E'])).toBe(str(b.dataset['0020000E']));
    expect(str(a.dataset['00200052'])).toBe(str(b.dataset['00200052']));
    const ref = (b.dataset['00082112'].Value![0] as DicomDict)['00081155'];
    expect(str(ref)).toBe(str(a.dataset['00080018']));
    expect(str(b.dataset['00080018'])).not.toBe(str(a.dataset['00080018']));
  });

  it('the Media Storage SOP Instance UID of the meta matches the new SOP Instance UID; classes and transfer syntaxes stay', () => {
    const meta = {
      '00020000': el('UL', 200),
      '00020001': el('OB', bytes(0, 1)),
      '00020002': el('UI', '1.2.840.10008.5.1.4.1.1.2'),
      '00020003': el('UI', '1.3.6.1.4.1.99999.100.1.1'),
      '00020010': el('UI', '1.2.840.10008.1.2.1'),
      '00020012': el('UI', '1.2.826.0.1.3680043.10.1'),
      '00020013': el('SH', 'VENDOR_1'),
      '00020016': el('AE', 'MGH_CT3'),
    };
    const r = run(image('1.3.6.1.4.1.99999.100.1.1'), {}, { meta });
    expect(str(r.meta!['00020003'])).toBe(str(r.dataset['00080018']));
    expect(r.meta).toEqual({
      '00020001': meta['00020001'],
      '00020002': meta['00020002'],
      '00020003': el('UI', fakeUid('1.3.6.1.4.1.99999.100.1.1')),
      '00020010': meta['00020010'],
      '00020012': meta['00020012'],
      '00020013': meta['00020013'],
    });
    expect(str(r.dataset['00080016'])).toBe('1.2.840.10008.5.1.4.1.1.2');
  });

  it('keeps class, coding-scheme and well-known UIDs; remaps instance UIDs the table does not list yet', () => {
    const r = run({
      '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.88.34'),
      '00200052': el('UI', '1.2.840.10008.1.4.1.1'), // Talairach: a well-known frame of reference
      '00201040': el('LO', 'ILIAC CREST'),
      '00209221': el('SQ', { '0008010C': el('UI', '2.16.840.1.113883.6.96'), '00081150': el('UI', '1.2.840.10008.5.1.4.1.1.66.4') }),
      '00200242': el('UI', '1.3.6.1.4.1.99999.7'), // SOP Instance UID of Concatenation Source
      '00081167': el('UI', '1.3.6.1.4.1.99999.8'), // Multi-frame Source SOP Instance UID
      '00080117': el('UI', '1.2.840.10008.6.1.1'), // Context UID
      '00620021': el('UI', '1.3.6.1.4.1.99999.9', '1.3.6.1.4.1.99999.10'), // Tracking UID, two values
    }).dataset;
    expect(str(r['00080016'])).toBe('1.2.840.10008.5.1.4.1.1.88.34');
    expect(str(r['00200052'])).toBe('1.2.840.10008.1.4.1.1');
    expect(r['00209221']).toEqual(el('SQ', { '0008010C': el('UI', '2.16.840.1.113883.6.96'), '00081150': el('UI', '1.2.840.10008.5.1.4.1.1.66.4') }));
    expect(str(r['00200242'])).toBe(fakeUid('1.3.6.1.4.1.99999.7'));
    expect(str(r['00081167'])).toBe(fakeUid('1.3.6.1.4.1.99999.8'));
    expect(str(r['00080117'])).toBe('1.2.840.10008.6.1.1');
    expect(r['00620021'].Value).toEqual([fakeUid('1.3.6.1.4.1.99999.9'), fakeUid('1.3.6.1.4.1.99999.10')]);
  });
});

describe('private attributes', () => {
  const ds = (): DicomDict => ({
    '00090010': el('LO', 'ACME 1.1'),
    '00091001': el('LO', 'Doe John'),
    '00091002': el('DS', 3.5),
    '00290010': el('LO', 'SIEMENS CSA HEADER'),
    '00291010': el('OB', bytes(1, 2)),
    '7FE10010': el('LO', 'SIEMENS CSA NON-IMAGE'),
    '00081140': el('SQ', {
      '00081155': el('UI', PLANTED_UID),
      '00190010': el('LO', 'ACME 1.1'),
      '00191001': el('LO', 'depth 1'),
      '0008114A': el('SQ', { '00430010': el('LO', 'GEMS_PARM_01'), '00431001': el('SS', 4) }),
    }),
  });

  it('are removed with their creators at every depth (Table E.1-1: X)', () => {
    const r = run(ds());
    const text = JSON.stringify(r.dataset);
    expect(Object.keys(r.dataset).filter((t) => parseInt(t.slice(0, 4), 16) % 2 === 1)).toEqual([]);
    expect(text).not.toMatch(/ACME|SIEMENS|GEMS|depth 1|Doe John/);
    expect(r.counts.private).toBe(10);
    expect((r.dataset['00081140'].Value![0] as DicomDict)['0008114A']).toEqual(el('SQ', {}));
  });

  it('under Retain Safe Private only the listed ones stay, with their creator, named by creator and block offset', () => {
    const safe = [{ creator: 'ACME 1.1', group: 0x0009, element: 0x02, name: 'reconstruction kernel factor' }];
    const r = run(ds(), { retainSafePrivate: true }, { safePrivateAttributes: safe });
    expect(r.dataset['00090010']).toEqual(el('LO', 'ACME 1.1'));
    expect(r.dataset['00091002']).toEqual(el('DS', 3.5));
    expect(r.dataset['00091001']).toBeUndefined();
    expect(r.dataset['00290010']).toBeUndefined();
    // The same creator in another group, or the same offset of another creator, is not what was listed.
    expect(Object.keys(r.dataset['00081140'].Value![0] as DicomDict)).toEqual(['00081155', '0008114A']);
    expect(r.counts.C).toBe(2);
    // Without the option, or with the shipped (empty) list, nothing private stays.
    expect(Object.keys(run(ds(), {}, { safePrivateAttributes: safe }).dataset)).not.toContain('00091002');
    expect(Object.keys(run(ds(), { retainSafePrivate: true }).dataset)).not.toContain('00091002');
  });
});

describe('dates', () => {
  it('shift DA exactly by whole days, across month ends, leap days and years, in both directions', () => {
    expect(shiftDA('20240131', 30)).toBe('20240301');
    expect(shiftDA('20230131', 30)).toBe('20230302');
    expect(shiftDA('20240301', -1)).toBe('20240229');
    expect(shiftDA('20241215', 30)).toBe('20250114');
    expect(shiftDA('20240131', -365)).toBe('20230131');
    expect(shiftDA('20240131', -366)).toBe('20230130');
    expect(shiftDA('2024.01.31', 30)).toBe('20240301'); // ACR-NEMA form, written back as DA
    expect(shiftDA('20240131-20240229', 30)).toBe('20240301-20240330');
    expect(shiftDA('-20240131', 30)).toBe('-20240301');
    expect(shiftDA('20240131-', 30)).toBe('20240301-');
    // Not a date: nothing of it survives.
    for (const bad of ['20240230', '2024013', 'unknown', '00000000']) expect(shiftDA(bad, 30)).toBe('');
    expect(shiftDA('', 30)).toBe('');
  });

  it('shift DT on its date part, keeping time, fraction and UTC offset; ranges and partial precision', () => {
    expect(shiftDT('20240131235959.123456-0500', 30)).toBe('20240301235959.123456-0500');
    expect(shiftDT('20240131120000+0100', 30)).toBe('20240301120000+0100');
    expect(shiftDT('20240131', 1)).toBe('20240201');
    expect(shiftDT('202401', 30)).toBe('202402'); // from mid-month
    expect(shiftDT('2024', 200)).toBe('2025'); // from mid-year
    expect(shiftDT('20240131-0500', 30)).toBe('20240301-0500'); // an offset, not a range
    expect(shiftDT('20240131-20240201', 30)).toBe('20240301-20240302');
    expect(shiftDT('20240131120000-0500-20240201080000-0500', 30)).toBe('20240301120000-0500-20240302080000-0500');
    expect(shiftDT('-20240131', 30)).toBe('-20240301');
    expect(shiftDT('20241301', 30)).toBe('');
    expect(shiftDT('garbage', 30)).toBe('');
  });

  it('under Modified Dates every date moves by the patient offset, multi-valued too, times stay and intervals are preserved', () => {
    const ds = {
      '00080020': el('DA', '20240131'), // Study Date Z; C
      '00080023': el('DA', '20240305'), // Content Date D; C
      '00080030': el('TM', '081500'), // Study Time Z; C
      '0008002A': el('DT', '20240131081612.25+0100'), // Acquisition DateTime X/D; C
      '00181200': el('DA', '20231201', '20240110'), // Date of Last Calibration X; C, two values
      '00100030': el('DA', '19600131'), // Patient's Birth Date: Z, no option column
      '00140102': el('DA', '20240102'), // Secondary Review Date: not in the table
    };
    const offset = -1234;
    const r = deidentify({ dataset: ds, options: DEFAULT_DEID_OPTIONS, pseudonym: { ...PSEUDONYM, dateOffsetDays: offset }, identifyingValues: [], software: 'x' });
    const days = (da: string) => Date.UTC(+da.slice(0, 4), +da.slice(4, 6) - 1, +da.slice(6, 8)) / 86_400_000;
    const [study, content] = [str(r.dataset['00080020']) as string, str(r.dataset['00080023']) as string];
    expect(days(study) - days('20240131')).toBe(offset);
    expect(days(content) - days(study)).toBe(days('20240305') - days('20240131'));
    expect(str(r.dataset['00080030'])).toBe('081500');
    expect(str(r.dataset['0008002A'])).toBe(`${shiftDA('20240131', offset)}081612.25+0100`);
    expect(r.dataset['00181200'].Value).toEqual([shiftDA('20231201', offset), shiftDA('20240110', offset)]);
    expect(r.dataset['00100030']).toEqual(el('DA'));
    expect(str(r.dataset['00140102'])).toBe(shiftDA('20240102', offset));
    expect(str(r.dataset['00280303'])).toBe('MODIFIED');
    expect(JSON.stringify(r.dataset)).not.toMatch(/20240131|20240305|20231201|20240110|19600131|20240102/);
  });

  it('without the option no date survives: dummied, emptied or removed, and Longitudinal Temporal Information Modified says REMOVED', () => {
    const r = run({ '00080020': el('DA', '20240131'), '00080023': el('DA', '20240305'), '00181200': el('DA', '20231201'), '00140102': el('DA', '20240102') });
    expect(r.dataset['00080020']).toEqual(el('DA'));
    expect(r.dataset['00080023']).toEqual(el('DA', DUMMY.DA));
    expect(r.dataset['00181200']).toBeUndefined();
    expect(r.dataset['00140102']).toEqual(el('DA', DUMMY.DA));
    expect(str(r.dataset['00280303'])).toBe('REMOVED');
  });
});

describe('clean descriptors', () => {
  it('remove the patient name and ID from "Follow-up of Doe John, ID 12345" and keep the rest', () => {
    const ds = { '00081030': el('LO', 'Follow-up of Doe John, ID 12345'), '0008103E': el('LO', 'Liver arterial, Doe') };
    expect(run(ds, { cleanDescriptors: true }).dataset['00081030']).toEqual(el('LO', 'Follow-up of, ID'));
    expect(run(ds, { cleanDescriptors: true }).dataset['0008103E']).toEqual(el('LO', 'Liver arterial,'));
    // Without the option the Basic Profile removes descriptions (X).
    expect(run(ds).dataset['00081030']).toBeUndefined();
  });

  it('take names out by their parts, in either order, case-insensitively and as whole words only', () => {
    const clean = makeCleaner(['Li^Wei', 'DOE^JOHN^A', '0012345']);
    expect(clean('Patient wei li, liver lesion')).toBe('Patient, liver lesion');
    expect(clean('John Doe (MRN 12345) and Doe, John')).toBe('(MRN) and,');
    expect(clean('Liver Wein')).toBe('Liver Wein');
    expect(clean('ID 0012345')).toBe('ID');
    expect(clean('nothing here')).toBe('nothing here');
  });

  it('take dates out in DICOM, ISO, European, US and spelled-out forms', () => {
    const clean = makeCleaner(['19600131']);
    for (const form of ['19600131', '1960-01-31', '31/01/1960', '01/31/1960', '31.01.1960', '1/31/60', '31 Jan 1960', 'January 31, 1960']) {
      expect(clean(`born ${form} here`), form).toBe('born here');
    }
    // Not a date, and its short numbers alone are no identifiers ("30 mm" stays).
    expect(identifyingStrings(['2024-02-30'])).toEqual(['2024-02-30']);
    expect(makeCleaner(['AB-30'])('Lesion 30 mm, ref AB-30')).toBe('Lesion 30 mm, ref');
  });

  it('clean descriptors inside sequences and keep PN structure', () => {
    const ds = {
      '00400275': el('SQ', { '00321060': el('LO', 'CT for Doe John'), '00401002': el('LO', 'Pain, ID 12345') }), // Request Attributes Sequence: X; C
      '00102110': el('LO', 'Penicillin (John Doe)'), // Allergies: X; Patient Characteristics C, Clean Descriptors C
    };
    const r = run(ds, { cleanDescriptors: true }).dataset;
    expect(r['00400275']).toEqual(el('SQ', { '00321060': el('LO', 'CT for'), '00401002': el('LO', 'Pain, ID') }));
    expect(r['00102110']).toEqual(el('LO', 'Penicillin ()'));
  });
});

describe('exclusion of images that may carry burned-in identity', () => {
  const cases: [string, DicomDict, DicomDict | undefined, RegExp][] = [
    ['Burned In Annotation YES', { '00280301': el('CS', 'YES') }, undefined, /Burned In Annotation/],
    ['Secondary Capture', { '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.7') }, undefined, /Secondary Capture/],
    ['Multi-frame True Color SC', { '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.7.4') }, undefined, /Secondary Capture/],
    ['SC named only by the meta', {}, { '00020002': el('UI', '1.2.840.10008.5.1.4.1.1.7.2') }, /Secondary Capture/],
    ['Encapsulated PDF', { '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.104.1') }, undefined, /Encapsulated PDF/],
    ['Video Endoscopic', { '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.77.1.1.1') }, undefined, /Video/],
    ['Modality OT', { '00080060': el('CS', 'OT') }, undefined, /Modality OT/],
    ['a screenshot', { '00080008': el('CS', 'DERIVED', 'SECONDARY', 'SCREEN SHOT') }, undefined, /screen capture/],
  ];

  it.each(cases)('%s: excluded, nothing handed back', (_name, extra, meta, reason) => {
    const ds = { '00100010': el('PN', { Alphabetic: 'Doe^John' }), ...extra };
    const r = run(ds, {}, { meta });
    expect(r.excluded).toMatch(reason);
    expect(r.dataset).toEqual({});
    expect(r.meta).toBeUndefined();
    expect(r.counts).toEqual({ D: 0, Z: 0, X: 0, K: 0, C: 0, U: 0, private: 0 });
    const included = run(ds, { includeBurnedIn: true }, { meta });
    expect(included.excluded).toBeNull();
    expect(str(included.dataset['00100010'])).toEqual({ Alphabetic: PSEUDONYM.pseudonymName });
  });

  it('a CT with Burned In Annotation NO is processed', () => {
    expect(exclusionReason({ '00280301': el('CS', 'NO'), '00080060': el('CS', 'CT'), '00080008': el('CS', 'ORIGINAL', 'PRIMARY', 'AXIAL') })).toBeNull();
  });
});

describe('what is added and recorded', () => {
  const codesOf = (r: DeidResult) => (r.dataset['00120064'].Value as DicomDict[]).map((item) => str(item['00080100']));

  it('De-identification Method Code Sequence lists 113100 and a CID 7050 code per option used', () => {
    expect(codesOf(run({}))).toEqual(['113100']);
    expect(codesOf(run({}, DEFAULT_DEID_OPTIONS))).toEqual(['113100', '113107']);
    const all = { ...DEFAULT_DEID_OPTIONS, retainPatientCharacteristics: true, retainDeviceIdentity: true, cleanDescriptors: true, retainSafePrivate: true, includeBurnedIn: true };
    expect(codesOf(run({}, all))).toEqual(['113100', '113105', '113107', '113108', '113109', '113111']);
    expect(methodCodes(all).map((c) => c.value)).toEqual(['113100', '113105', '113107', '113108', '113109', '113111']);
    const item = (run({}).dataset['00120064'].Value as DicomDict[])[0];
    expect(item).toEqual({
      '00080100': el('SH', '113100'),
      '00080102': el('SH', 'DCM'),
      '00080104': el('LO', 'Basic Application Confidentiality Profile'),
    });
  });

  it('Patient Identity Removed YES, a method text naming profile, options and software (LO: 64 characters a value)', () => {
    const r = run({}, { ...DEFAULT_DEID_OPTIONS, cleanDescriptors: true });
    expect(r.dataset['00120062']).toEqual(el('CS', 'YES'));
    const method = r.dataset['00120063'].Value as string[];
    expect(method).toEqual([
      'DICOM PS3.15 Basic Application Level Confidentiality Profile',
      'Clean Descriptors Option',
      'Retain Longitudinal Temporal Information Modified Dates Option',
      'Longitude 0.1.0',
    ]);
    for (const v of method) expect(v.length).toBeLessThanOrEqual(64);
  });

  it('Patient ID and Name become the pseudonym, added when the source lacks them', () => {
    const r = run({ '00100020': el('LO', '12345'), '00100010': el('PN', 'Doe^John') });
    expect(r.dataset['00100020']).toEqual(el('LO', 'LGT-7F3A'));
    expect(r.dataset['00100010']).toEqual(el('PN', 'LGT^7F3A'));
    const bare = run({ '00280010': el('US', 512) });
    expect(bare.dataset['00100020']).toEqual(el('LO', 'LGT-7F3A'));
    expect(bare.dataset['00100010']).toEqual(el('PN', { Alphabetic: 'LGT^7F3A' }));
    expect(bare.dataset['00280010']).toEqual(el('US', 512));
  });
});

describe('a whole CT header', () => {
  const ct = (): DicomDict => ({
    '00080005': el('CS', 'ISO_IR 100'),
    '00080008': el('CS', 'ORIGINAL', 'PRIMARY', 'AXIAL'),
    '00080016': el('UI', '1.2.840.10008.5.1.4.1.1.2'),
    '00080018': el('UI', '1.3.6.1.4.1.99999.100.1.1'),
    '00080020': el('DA', '20240131'),
    '00080030': el('TM', '101500'),
    '00080050': el('SH', 'ACC778'),
    '00080060': el('CS', 'CT'),
    '00080070': el('LO', 'ACME'),
    '00080080': el('LO', 'St Elsewhere'),
    '00080090': el('PN', { Alphabetic: 'Ref^Rita' }),
    '00081030': el('LO', 'CT Abdomen Doe'),
    '00100010': el('PN', { Alphabetic: 'Doe^John' }),
    '00100020': el('LO', '12345'),
    '00100030': el('DA', '19600131'),
    '00100040': el('CS', 'M'),
    '00101010': el('AS', '063Y'),
    '00181030': el('LO', 'Liver 3 phase'),
    '0020000D': el('UI', '1.3.6.1.4.1.99999.100'),
    '0020000E': el('UI', '1.3.6.1.4.1.99999.100.1'),
    '00200010': el('SH', 'S1'),
    '00200052': el('UI', '1.3.6.1.4.1.99999.100.9'),
    '00280010': el('US', 512),
    '60000010': el('US', 512),
    '60000011': el('US', 512),
    '60003000': el('OW', bytes(0, 0)),
    '00091010': el('LO', 'ACME'),
    '7FE00010': el('OW', bytes(1, 2, 3, 4)),
  });

  it('comes out with the counts of each action and no identifying value anywhere', () => {
    const input = ct();
    const before = JSON.stringify(input, (_k, v) => (v instanceof ArrayBuffer ? [...new Uint8Array(v)] : v));
    const r = run(input, DEFAULT_DEID_OPTIONS);
    // The input is left as it was.
    expect(JSON.stringify(input, (_k, v) => (v instanceof ArrayBuffer ? [...new Uint8Array(v)] : v))).toBe(before);
    expect(r.counts).toEqual({
      D: 4, // Patient's Name, Patient ID, Institution Name, Protocol Name
      Z: 5, // Accession Number, Referring Physician, Birth Date, Sex, Study ID
      X: 5, // Study Description, Patient's Age, Overlay Data and the rest of its group (3)
      K: 0,
      C: 3, // Study Date, Study Time, and Manufacturer (text the table does not list: kept without the patient's identifying values)
      U: 4, // SOP Instance, Study, Series, Frame of Reference
      private: 1,
    });
    const text = JSON.stringify(r.dataset);
    expect(text).not.toMatch(/Doe|John|12345|19600131|20240131|ACC778|Rita|Elsewhere|1\.3\.6\.1\.4\.1\.99999/);
    expect(r.dataset['00280010']).toEqual(el('US', 512));
    expect(r.dataset['7FE00010']).toEqual(input['7FE00010']);
    expect(r.dataset['00080070']).toEqual(el('LO', 'ACME'));
    expect(Object.keys(r.dataset)).toEqual([...Object.keys(r.dataset)].sort());
  });
});
