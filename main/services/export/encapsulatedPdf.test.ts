/**
 * The tumor-board report as a DICOM Encapsulated PDF (PS3.3 A.45.1), checked the way a PACS or
 * another toolkit reads it: on the demo patient (phantom CT exams) through ExportService, and on
 * the real GE CT of ../shared/data as the source header. dicom3tools' dciodvfy, dcmtk's dcmdump
 * and pydicom read the file; the PDF comes back byte for byte (pad stripped) and opens with
 * poppler's pdfinfo; the instance is filed under the source CT's patient and study.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app';
import { createDemoPatient } from '../demo/demoPatient';
import { listInstances, primaryImageSeries } from '../library/catalog';
import { libraryFile } from '../library/importer';
import { withReader } from '../session/readerContext';
import { buildEncapsulatedPdfDataset, ENCAPSULATED_PDF_STORAGE_UID } from './encapsulatedPdf';
import { ExportService } from './exportService';
import { encodePart10 } from './segExport';

const DATA = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data');
const REAL_CT = join(DATA, 'dcmqi', 'ct-3slice', '01.dcm');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const pydicom = spawnSync('/usr/bin/python3', ['-c', 'import pydicom'], { encoding: 'utf8' }).status === 0;

const { DicomMessage, DicomMetaDictionary } = dcmjs.data as unknown as {
  DicomMessage: { readFile(buffer: ArrayBuffer, opts: { untilTag: string }): { dict: unknown } };
  DicomMetaDictionary: { naturalizeDataset(dict: unknown): Record<string, unknown> };
};
/** A DICOM file's header (up to Pixel Data), naturalized, as the exporter reads its source. */
function readHeader(file: string): Record<string, unknown> {
  const b = readFileSync(file);
  return DicomMetaDictionary.naturalizeDataset(DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, { untilTag: '7FE00010' }).dict);
}

/** dciodvfy's lines, split into errors and warnings. */
function dciodvfy(file: string): { errors: string[]; warnings: string[] } {
  const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n');
  return { errors: lines.filter((l) => /^Error/.test(l)), warnings: lines.filter((l) => /^Warning/.test(l)) };
}

/** What pydicom reads: identity, the document's attributes, and the PDF it holds (pad stripped) written to `pdfOut`. */
function pyRead(file: string, pdfOut: string): Record<string, unknown> {
  const script = `
import json, sys, pydicom
d = pydicom.dcmread(sys.argv[1])
doc = bytes(d.EncapsulatedDocument)
n = int(d.EncapsulatedDocumentLength)
open(sys.argv[2], 'wb').write(doc[:n])
print(json.dumps({
  'sopClass': d.SOPClassUID.name, 'modality': d.Modality, 'mime': d.MIMETypeOfEncapsulatedDocument,
  'storedLength': len(doc), 'length': n, 'pad': list(doc[n:]),
  'patientId': d.PatientID, 'patientName': str(d.PatientName), 'study': d.StudyInstanceUID,
  'title': d.DocumentTitle, 'concept': [d.ConceptNameCodeSequence[0].CodeValue, d.ConceptNameCodeSequence[0].CodingSchemeDesignator, d.ConceptNameCodeSequence[0].CodeMeaning],
  'burnedIn': d.BurnedInAnnotation, 'conversion': d.ConversionType, 'charset': d.get('SpecificCharacterSet'),
  'transferSyntax': d.file_meta.TransferSyntaxUID,
}))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, file, pdfOut], { encoding: 'utf8' }));
}

let dir: string;
let app: App;
let exporter: ExportService;
let patientRowId: number;
let studyRowIds: number[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lng-pdf-dcm-'));
  app = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 1 });
  exporter = new ExportService({ db: app.db, homeDir: app.homeDir, version: '0.1.0-test', api: () => app, volumes: app.volumes });
  const demo = await createDemoPatient(app, app.homeDir, { size: 96, slices: 32 });
  patientRowId = demo.patientRowId;
  studyRowIds = demo.studyRowIds;
}, 240_000);

afterAll(async () => {
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the report PDF as DICOM on the demo patient', () => {
  let result: { file: string; sopInstanceUid: string; seriesInstanceUid: string };
  let pdf: Buffer;
  let sourceCt: string;

  beforeAll(async () => {
    const out = join(dir, 'out');
    result = await withReader({ name: 'Dr PDF Test' }, () => exporter.exportReportDicom({ patientRowId, studyRowId: studyRowIds[1], outDir: out }));
    // The PDF exportReport wrote beside it, and a CT file of the exam (the source).
    pdf = readFileSync(join(out, readdirSync(out).find((n) => n.endsWith('.pdf'))!));
    sourceCt = libraryFile(app.homeDir, listInstances(app.db, primaryImageSeries(app.db, studyRowIds[1])!)[0].path);
  }, 240_000);

  it('is written whole under its name, with no temporary left', () => {
    expect(result.file).toMatch(new RegExp(`ReportPDF_study${studyRowIds[1]}\\.dcm$`));
    expect(readdirSync(join(dir, 'out')).filter((n) => n.endsWith('.part'))).toEqual([]);
    expect(result.sopInstanceUid).toMatch(/^2\.25\.\d+$/);
    expect(result.seriesInstanceUid).not.toBe(result.sopInstanceUid);
  });

  it.skipIf(!has('dciodvfy'))('passes dicom3tools dciodvfy without an error', () => {
    const { errors, warnings } = dciodvfy(result.file);
    expect(errors).toEqual([]);
    // None of the warnings is about what this writer sets.
    expect(warnings.filter((w) => /Encapsulated|Document|SC Equipment|BurnedIn|ConversionType|MIME/i.test(w))).toEqual([]);
  });

  it.skipIf(!has('dcmdump'))('is read by dcmtk: Encapsulated PDF Storage, modality DOC, application/pdf, the source CT’s patient and study', () => {
    const dump = execFileSync('dcmdump', ['+P', 'SOPClassUID', '+P', 'Modality', '+P', 'MIMETypeOfEncapsulatedDocument', '+P', 'EncapsulatedDocumentLength', '+P', 'BurnedInAnnotation', result.file], { encoding: 'utf8' });
    expect(dump).toContain(`UI =EncapsulatedPDFStorage`);
    expect(dump).toContain('CS [DOC]');
    expect(dump).toContain('LO [application/pdf]');
    expect(dump).toContain(`UL ${pdf.length}`);
    expect(dump).toContain('CS [YES]');
    const tags = ['PatientID', 'PatientName', 'PatientBirthDate', 'PatientSex', 'StudyInstanceUID', 'StudyDate', 'StudyID', 'AccessionNumber'].flatMap((t) => ['+P', t]);
    const ours = execFileSync('dcmdump', [...tags, result.file], { encoding: 'utf8' });
    const src = execFileSync('dcmdump', [...tags, sourceCt], { encoding: 'utf8' });
    for (const line of src.trim().split('\n')) expect(ours).toContain(line.replace(/#.*/, '').trim());
  });

  it.skipIf(!pydicom || !has('pdfinfo'))('is read by pydicom: the PDF inside is the report, byte for byte, and opens', () => {
    const extracted = join(dir, 'extracted.pdf');
    const r = pyRead(result.file, extracted);
    expect(r).toMatchObject({
      sopClass: 'Encapsulated PDF Storage',
      modality: 'DOC',
      mime: 'application/pdf',
      length: pdf.length,
      storedLength: pdf.length + (pdf.length % 2),
      title: 'Tumor board report',
      concept: ['18748-4', 'LN', 'Diagnostic Imaging Report'],
      burnedIn: 'YES',
      conversion: 'WSD',
      transferSyntax: '1.2.840.10008.1.2.1',
    });
    expect(Buffer.compare(readFileSync(extracted), pdf)).toBe(0);
    const info = execFileSync('pdfinfo', [extracted], { encoding: 'utf8' });
    expect(Number(/Pages:\s+(\d+)/.exec(info)![1])).toBeGreaterThanOrEqual(1);
    // Same patient and study as the CT.
    const src = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', 'import json,sys,pydicom; d=pydicom.dcmread(sys.argv[1], stop_before_pixels=True); print(json.dumps([d.PatientID, str(d.PatientName), d.StudyInstanceUID]))', sourceCt], { encoding: 'utf8' }),
    );
    expect([r.patientId, r.patientName, r.study]).toEqual(src);
  });

  it('wraps a given PDF without making a new one', async () => {
    const out = join(dir, 'given');
    const given = join(dir, 'given.pdf');
    writeFileSync(given, pdf);
    const r = await exporter.exportReportDicom({ patientRowId, studyRowId: studyRowIds[0], outDir: out, pdfFile: given });
    expect(readdirSync(out)).toEqual([`ReportPDF_study${studyRowIds[0]}.dcm`]);
    expect(r.sopInstanceUid).not.toBe(result.sopInstanceUid);
  });

  it('refuses a study of another patient, a missing study and a file that is not a PDF', async () => {
    await expect(exporter.exportReportDicom({ patientRowId: patientRowId + 1000, studyRowId: studyRowIds[0], pdfFile: join(dir, 'given.pdf') })).rejects.toThrow(/is not an exam of patient/);
    await expect(exporter.exportReportDicom({ patientRowId, studyRowId: 99_999 })).rejects.toThrow(/study 99999 is not in the library/);
    const notPdf = join(dir, 'not.pdf');
    writeFileSync(notPdf, 'hello');
    await expect(exporter.exportReportDicom({ patientRowId, studyRowId: studyRowIds[0], outDir: join(dir, 'bad'), pdfFile: notPdf })).rejects.toThrow(/is not a PDF/);
  });

  describe('odd and even PDF lengths', () => {
    const build = (bytes: Uint8Array, header: Record<string, unknown>) =>
      buildEncapsulatedPdfDataset({
        header,
        pdf: bytes,
        title: 'Tumor board report',
        seriesInstanceUid: '2.25.1',
        sopInstanceUid: '2.25.2',
        seriesNumber: 9003,
        softwareVersion: 'test',
        deviceSerialNumber: 'abc',
        now: new Date('2024-05-06T07:08:09Z'),
        burnedInAnnotation: 'YES',
      });

    it('pads an odd-length PDF with one 0x00 and records its own length; leaves an even one as it is', () => {
      // A byte of white space after %%EOF keeps a PDF valid and changes its parity.
      const odd = pdf.length % 2 ? pdf : Buffer.concat([pdf, Buffer.from('\n')]);
      const even = pdf.length % 2 ? Buffer.concat([pdf, Buffer.from('\n')]) : pdf;
      const header = readHeader(sourceCt);
      for (const [name, bytes] of [['odd', odd], ['even', even]] as const) {
        const ds = build(new Uint8Array(bytes), header);
        const stored = new Uint8Array((ds.EncapsulatedDocument as ArrayBuffer[])[0]);
        expect(stored.length % 2).toBe(0);
        expect(ds.EncapsulatedDocumentLength).toBe(bytes.length);
        expect(Buffer.compare(Buffer.from(stored.subarray(0, bytes.length)), bytes)).toBe(0);
        expect([...stored.subarray(bytes.length)]).toEqual(name === 'odd' ? [0] : []);
        const f = join(dir, `${name}.dcm`);
        writeFileSync(f, encodePart10(ds));
        if (pydicom && has('pdfinfo')) {
          const extracted = join(dir, `${name}.pdf`);
          const r = pyRead(f, extracted);
          expect(r).toMatchObject({ length: bytes.length, storedLength: bytes.length + (bytes.length % 2), pad: name === 'odd' ? [0] : [] });
          expect(Buffer.compare(readFileSync(extracted), bytes)).toBe(0);
          execFileSync('pdfinfo', [extracted]);
        }
        if (has('dciodvfy')) expect(dciodvfy(f).errors).toEqual([]);
      }
    });

    it('names the character set the bytes are in: the source’s for ASCII text, ISO_IR 192 with any other character', () => {
      const header = { PatientName: 'Doe^John', PatientID: 'P1', StudyInstanceUID: '2.25.3', SpecificCharacterSet: 'ISO_IR 100' };
      expect(build(new Uint8Array(pdf), header).SpecificCharacterSet).toBe('ISO_IR 100');
      expect(build(new Uint8Array(pdf), { ...header, SpecificCharacterSet: undefined }).SpecificCharacterSet).toBeUndefined();
      const named = build(new Uint8Array(pdf), { ...header, PatientName: [{ Alphabetic: 'Müller^Jürgen' }] });
      expect(named.SpecificCharacterSet).toBe('ISO_IR 192');
      if (pydicom) {
        const f = join(dir, 'utf8.dcm');
        writeFileSync(f, encodePart10(named));
        const name = execFileSync('/usr/bin/python3', ['-c', 'import sys,pydicom; d=pydicom.dcmread(sys.argv[1]); sys.stdout.buffer.write(str(d.PatientName).encode("utf-8"))', f]).toString('utf8');
        expect(name).toBe('Müller^Jürgen');
      }
    });
  });
});

describe.skipIf(!existsSync(REAL_CT))('the report PDF as DICOM on the real GE CT of ../shared/data', () => {
  it('is filed under the CT’s patient and study and passes dciodvfy without an error', async () => {
    const pdfFile = (await exporter.exportReport({ patientRowId, outDir: join(dir, 'real-pdf') })).pdf;
    const pdf = new Uint8Array(readFileSync(pdfFile));
    const header = readHeader(REAL_CT);
    const ds = buildEncapsulatedPdfDataset({
      header,
      pdf,
      title: 'Tumor board report',
      sourceInstances: [{ sopClassUid: String(header.SOPClassUID), sopInstanceUid: String(header.SOPInstanceUID) }],
      seriesInstanceUid: '2.25.11',
      sopInstanceUid: '2.25.12',
      seriesNumber: 9003,
      softwareVersion: '0.1.0-test',
      deviceSerialNumber: 'abc123',
      now: new Date(),
      burnedInAnnotation: 'YES',
    });
    expect(ds.SOPClassUID).toBe(ENCAPSULATED_PDF_STORAGE_UID);
    const f = join(dir, 'real.dcm');
    writeFileSync(f, encodePart10(ds));
    if (has('dciodvfy')) {
      const { errors, warnings } = dciodvfy(f);
      expect(errors).toEqual([]);
      expect(warnings.filter((w) => /Encapsulated|Document|SC Equipment|BurnedIn|ConversionType|MIME/i.test(w))).toEqual([]);
    }
    if (has('dcmdump')) {
      const tags = ['PatientID', 'PatientName', 'PatientBirthDate', 'PatientSex', 'PatientAge', 'StudyInstanceUID', 'StudyDate', 'StudyTime', 'StudyID', 'AccessionNumber', 'ReferringPhysicianName'].flatMap((t) => ['+P', t]);
      const ours = execFileSync('dcmdump', [...tags, f], { encoding: 'utf8' });
      const src = execFileSync('dcmdump', [...tags, REAL_CT], { encoding: 'utf8' });
      for (const line of src.trim().split('\n')) expect(ours).toContain(line.replace(/#.*/, '').trim());
      expect(execFileSync('dcmdump', ['+P', 'ReferencedSOPInstanceUID', f], { encoding: 'utf8' })).toContain(String(header.SOPInstanceUID));
    }
    if (pydicom) {
      const r = pyRead(f, join(dir, 'real.pdf'));
      expect(r).toMatchObject({ patientId: '99000', patientName: 'JANCT000', study: header.StudyInstanceUID, modality: 'DOC' });
      expect(Buffer.compare(readFileSync(join(dir, 'real.pdf')), Buffer.from(pdf))).toBe(0);
    }
  }, 120_000);
});
