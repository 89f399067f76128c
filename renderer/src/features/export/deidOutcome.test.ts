/**
 * A de-identified export as the notice says it: the ZIP to download, files written by modality,
 * what was left out and why, and the key map's line per patient (original → pseudonym and the
 * date offset), for the local user only.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEID_OPTIONS } from '../../../../core/deid/types';
import type { DeidReport } from '../../../../core/api/domains/deid';
import { deidOutcome, exportItem, failureText, isDeidKind, mimeOf, pseudonymLine, unavailableReason } from './exportFiles';

const patient = { originalKey: 'k', patientId: 'DEMO-1', patientName: 'PHANTOM^DEMO', pseudonymId: 'LNG-ABCDE12345', dateOffsetDays: -812, files: 3 };
const report: DeidReport = {
  outDir: '/home/u/.longitude/exports/deid-LNG-ABCDE12345-20250101T000000Z',
  files: [
    { source: 'a', file: 'x/a.dcm', pseudonymId: 'LNG-ABCDE12345', sopInstanceUid: '2.25.1', modality: 'CT' },
    { source: 'b', file: 'x/b.dcm', pseudonymId: 'LNG-ABCDE12345', sopInstanceUid: '2.25.2', modality: 'CT' },
    { source: 'c', file: 'x/c.dcm', pseudonymId: 'LNG-ABCDE12345', sopInstanceUid: '2.25.3', modality: 'SEG' },
  ],
  excluded: [{ source: 'lib/sc.dcm', reason: 'burned-in annotation (Secondary Capture)' }],
  skipped: [{ source: 'SEG/SR of study 4', reason: 'not exported: no mask' }],
  patients: [patient],
  counts: {} as DeidReport['counts'],
  options: DEFAULT_DEID_OPTIONS,
  check: { files: 3, values: 12, bytes: 1000 },
  durationMs: 10,
};

describe('de-identified export outcome', () => {
  it('is a ZIP to download, with files by modality, left-out files with why, the pseudonyms and the folder', () => {
    const o = deidOutcome('deid-exam', report, { file: `${report.outDir}.zip`, files: 3, bytes: 4000 });
    expect(o.files).toEqual([{ path: `${report.outDir}.zip`, name: 'deid-LNG-ABCDE12345-20250101T000000Z.zip', role: 'ZIP' }]);
    expect(o.summary).toBe('3 files written (CT 2, SEG 1) · 2 files left out · 12 identifying values searched for in every file: none left');
    expect(o.warnings).toEqual(['Left out lib/sc.dcm: burned-in annotation (Secondary Capture)', 'Left out SEG/SR of study 4: not exported: no mask']);
    expect(o.details).toEqual(['DEMO-1 → LNG-ABCDE12345, dates shifted by −812 days (3 files)']);
    expect(o.where).toBe(report.outDir);
    expect(o.title).toBe('De-identified DICOM of this exam');
    expect(mimeOf(o.files[0].name)).toBe('application/zip');
  });

  it('says dates were removed when they were not kept shifted', () => {
    expect(pseudonymLine({ ...patient, files: 1 }, { retainLongitudinalModifiedDates: false })).toBe('DEMO-1 → LNG-ABCDE12345, dates removed (1 file)');
  });

  it('is offered for the open exam or the patient, and a refusal reads as the workstation said it', () => {
    expect(isDeidKind('deid-exam') && isDeidKind('deid-patient') && !isDeidKind('sr')).toBe(true);
    expect(unavailableReason(exportItem('deid-exam'), { patientRowId: 1, studyRowId: null })).toMatch(/Open a series/);
    expect(unavailableReason(exportItem('deid-patient'), { patientRowId: 1, studyRowId: null })).toBeNull();
    const refusal = new Error('deidentifyStudy: de-identification refused: identifying data would remain in 1 file(s)');
    expect(failureText(exportItem('deid-exam'), 'export', refusal)).toBe(`Could not make the de-identified DICOM of this exam: ${refusal.message}`);
  });
});
