import { describe, expect, it } from 'vitest';
import type { ReportExportResult, SegExportResult, SrExportResult } from '../../../../core/api/domains/export';
import {
  EXPORT_ITEMS,
  csvOutName,
  csvOutcome,
  exportItem,
  failureText,
  fileNameOf,
  folderOf,
  mimeOf,
  reportOutcome,
  segOutcome,
  sizeText,
  srOutcome,
  unavailableReason,
} from './exportFiles';

const seg: SegExportResult = {
  file: '/home/u/.longitude/exports/SEG_CT_study3.dcm',
  studyRowId: 3,
  sourceSeriesId: 7,
  seriesInstanceUid: '1.2',
  sopInstanceUid: '1.3',
  frames: 42,
  segments: [
    { segmentNumber: 1, label: 'L1', trackingUid: '2.1', algorithmType: 'MANUAL', voxels: 10 },
    { segmentNumber: 2, label: 'Liver', trackingUid: '2.2', algorithmType: 'AUTOMATIC', voxels: 1000 },
  ],
};

describe('export menu items', () => {
  it('offers the six exports, in the menu order, with their scope', () => {
    expect(EXPORT_ITEMS.map((i) => [i.kind, i.scope])).toEqual([
      ['report', 'patient'],
      ['sr', 'exam'],
      ['seg', 'exam'],
      ['csv', 'patient'],
      ['deid-exam', 'exam'],
      ['deid-patient', 'patient'],
    ]);
    expect(exportItem('report').label).toBe('Tumor-board report (PDF + HTML)');
  });

  it('says why an item cannot run: no patient, or no exam for an exam export', () => {
    expect(unavailableReason(exportItem('csv'), { patientRowId: null, studyRowId: null })).toMatch(/Open a series/);
    expect(unavailableReason(exportItem('csv'), { patientRowId: 1, studyRowId: null })).toBeNull();
    expect(unavailableReason(exportItem('report'), { patientRowId: 1, studyRowId: null })).toBeNull();
    expect(unavailableReason(exportItem('sr'), { patientRowId: 1, studyRowId: null })).toMatch(/exam/);
    expect(unavailableReason(exportItem('seg'), { patientRowId: 1, studyRowId: 4 })).toBeNull();
  });
});

describe('file names and types', () => {
  it('takes the name and folder of POSIX and Windows paths', () => {
    expect(fileNameOf('/home/u/exports/SR_study3.dcm')).toBe('SR_study3.dcm');
    expect(fileNameOf('C:\\Users\\u\\exports\\report.pdf')).toBe('report.pdf');
    expect(fileNameOf('plain.csv')).toBe('plain.csv');
    expect(folderOf('/home/u/exports/SR_study3.dcm')).toBe('/home/u/exports');
    expect(folderOf('C:\\Users\\u\\exports\\report.pdf')).toBe('C:\\Users\\u\\exports');
  });

  it('names the CSV by patient row (a relative out: the workstation places it)', () => {
    expect(csvOutName(12)).toBe('lesions_patient12.csv');
    expect(csvOutName(12)).not.toMatch(/[\\/]/);
  });

  it('types files by extension', () => {
    expect(mimeOf('a.PDF')).toBe('application/pdf');
    expect(mimeOf('a.html')).toBe('text/html;charset=utf-8');
    expect(mimeOf('a.csv')).toBe('text/csv;charset=utf-8');
    expect(mimeOf('SEG_x.dcm')).toBe('application/dicom');
    expect(mimeOf('noext')).toBe('application/octet-stream');
  });

  it('writes sizes for people', () => {
    expect(sizeText(512)).toBe('512 B');
    expect(sizeText(2048)).toBe('2.0 kB');
    expect(sizeText(3 * 1024 * 1024)).toBe('3.0 MB');
  });
});

describe('outcomes', () => {
  it('report: PDF and HTML, what is in it, its warnings', () => {
    const r: ReportExportResult = { patientRowId: 1, pdf: '/x/exports/report_p1.pdf', html: '/x/exports/report_p1.html', pages: 3, exams: 3, targets: 2, keyImages: 1, warnings: ['L2 has no measurement on 2024-01-01'] };
    const o = reportOutcome(r);
    expect(o.files.map((f) => [f.name, f.role])).toEqual([
      ['report_p1.pdf', 'PDF'],
      ['report_p1.html', 'HTML'],
    ]);
    expect(o.summary).toBe('3 pages · 3 exams · 2 targets · 1 key image');
    expect(o.warnings).toEqual(r.warnings);
  });

  it('SR: the SR and its SEG; without a SEG it says so', () => {
    const r: SrExportResult = { file: '/x/exports/SR_study3.dcm', seg, sopInstanceUid: '1.4', groups: [{ label: 'L1', trackingUid: '2.1', longAxisMm: 20, shortAxisMm: 10, volumeMl: 3 }], overallResponse: 'PR' };
    const o = srOutcome(r);
    expect(o.files.map((f) => f.role)).toEqual(['SR', 'SEG']);
    expect(o.summary).toBe('SR: 1 lesion, overall response PR · SEG: 2 segments (L1, Liver), 42 frames');
    expect(o.warnings).toEqual([]);
    const bare = srOutcome({ ...r, seg: null, overallResponse: null });
    expect(bare.files.map((f) => f.role)).toEqual(['SR']);
    expect(bare.warnings[0]).toMatch(/No SEG/);
  });

  it('SEG and CSV', () => {
    expect(segOutcome(seg).files[0].name).toBe('SEG_CT_study3.dcm');
    const c = csvOutcome({ file: '/x/exports/lesions_patient1.csv', rows: 0, patients: 1 });
    expect(c.files[0]).toEqual({ path: '/x/exports/lesions_patient1.csv', name: 'lesions_patient1.csv', role: 'CSV' });
    expect(c.warnings[0]).toMatch(/empty/);
    expect(csvOutcome({ file: 'a.csv', rows: 9, patients: 1 }).summary).toMatch(/^9 rows/);
  });

  it('failures carry the workstation message and say which stage failed', () => {
    expect(failureText(exportItem('report'), 'export', new Error('exportReport: patient 9 is not in the library'))).toBe(
      'Could not make the tumor-board report: exportReport: patient 9 is not in the library',
    );
    expect(failureText(exportItem('sr'), 'export', 'boom')).toBe('Could not make the DICOM SR + SEG of this exam: boom');
    expect(failureText(exportItem('csv'), 'download', new Error('readExport: 404 Not Found'), '/x/exports/l.csv')).toBe(
      'The lesion table CSV was written on the workstation (/x/exports/l.csv) but could not be downloaded: readExport: 404 Not Found',
    );
  });
});
