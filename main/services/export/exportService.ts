/**
 * Results that travel: one DICOM SEG per exam with every lesion mask and the liver, on the
 * exam's primary CT (issue 12; SR TID 1500, the report and CSV follow). Reads the registry and
 * the library; writes files only (it owns no table). The lesion's Tracking UID comes from its
 * owner, lesions/lesionStore, so it is the same in every exam's SEG.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import dcmjs from 'dcmjs';
import { invalid, notFound } from '../../../core/api/errors';
import type { LongitudeApi } from '../../../core/api/contract';
import type { DemoResult, ExportApi, ReportExportResult, SegExportResult, SrExportResult, SrImportResult, ZipExportResult } from '../../../core/api/domains/export';
import { createDemoPatient } from '../demo/demoPatient';
import { importSrReport } from './srImport';
import type { Lesion, Vec3 } from '../../../core/api/types';
import { uidFromHashHex } from '../../../core/dicom/uids';
import { getSeriesRow, listInstances, primaryImageSeries, stackSeries } from '../library/catalog';
import { libraryFile } from '../library/importer';
import { getLesion, trackingUidOf } from '../lesions/lesionStore';
import type { Db } from '../registry/db';
import { listSegmentations, readMask } from '../segmentation/segmentationStore';
import { currentReader } from '../session/readerContext';
import { buildSegDataset, encodePart10, type Code, type SegSegmentSpec } from './segExport';
import { buildSrDataset, type RESPONSE_CODES, type SrImageRef, type SrLesionGroup } from './srExport';
import { assessLesionTable } from '../../../core/recist/lesionAssessment';
import { lesionTableData } from '../lesions/lesionTable';
import { getMeasurement } from '../lesions/lesionStore';
import { listPatients, studyPatientId } from '../library/catalog';
import { LESION_CSV_COLUMNS, lesionCsvRows, toCsv } from '../../../core/report/csv';
import { buildTumorBoardReport, examLabels, type ReportKeyImage, type ReportProvenance } from '../../../core/report/tumorBoard';
import type { VolumeAccess } from '../volumes/volumeAccess';
import { encodeGrayPng } from '../library/png';
import { SOFT_TISSUE_WINDOW, keyImageFovMm, renderKeyImage } from './report/keyImages';
import { renderReportHtml } from './report/reportHtml';
import { renderReportPdf } from './report/reportPdf';
import { csvOutPath } from './csvOutPath';
import { buildEncapsulatedPdfDataset } from './encapsulatedPdf';
import { zipFolder } from './zipFolder';

export interface ExportDeps {
  db: Db;
  homeDir: string;
  version: string;
  /** The whole API, for the demo patient (made as any client would); absent in the CLI's direct use. */
  api?: () => LongitudeApi;
  /** Decoded volumes, for the report's key images. */
  volumes?: VolumeAccess;
}

/** Key image size (pixels, square). */
const KEY_IMAGE_PX = 256;


const SCT = (value: string, meaning: string): Code => ({ value, scheme: 'SCT', meaning });
// CID 7150 (segmentation property categories) and CID 7151/7152 (types).
const MORPHOLOGICALLY_ALTERED = SCT('49755003', 'Morphologically Altered Structure');
const ANATOMICAL_STRUCTURE = SCT('123037004', 'Anatomical Structure');
const LIVER = SCT('10200004', 'Liver');
const LESION_TYPE_CODE: Record<Lesion['lesionType'], Code> = {
  metastasis: SCT('14799000', 'Neoplasm, metastatic'),
  cyst: SCT('367643001', 'Cyst'),
  HCC: SCT('25370001', 'Hepatocellular carcinoma'),
  // No narrower code is asserted for these: the lesion's type travels in the segment label.
  hemangioma: SCT('52988006', 'Lesion'),
  FNH: SCT('52988006', 'Lesion'),
  indeterminate: SCT('52988006', 'Lesion'),
};
const SITE_CODE: Record<Lesion['site'], Code | null> = {
  liver: LIVER,
  'lymph-node': SCT('59441001', 'Lymph node structure'),
  lung: SCT('39607008', 'Lung structure'),
  peritoneum: SCT('15425007', 'Peritoneum'),
  other: null,
};

const { DicomMessage, DicomMetaDictionary } = dcmjs.data as unknown as {
  DicomMessage: { readFile(buffer: ArrayBuffer, opts: { untilTag: string }): { dict: unknown } };
  DicomMetaDictionary: { naturalizeDataset(dict: unknown): Record<string, unknown> };
};

/** The source file's header (up to Pixel Data), naturalized. */
function readHeader(file: string): Record<string, unknown> {
  const b = readFileSync(file);
  const dict = DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, { untilTag: '7FE00010' });
  return DicomMetaDictionary.naturalizeDataset(dict.dict);
}

/** Per slice of a series' volume: the instance (and frame, for a multi-frame one) it comes from. */
function sliceRefs(db: Db, seriesId: number): { slices: SrImageRef[]; firstPath: string } | null {
  const instances = listInstances(db, seriesId);
  const stack = stackSeries(instances);
  if (!stack) return null;
  const byId = new Map(instances.map((i) => [i.id, i]));
  const slices = stack.ordered.map((s) => {
    const inst = byId.get(s.instanceId)!;
    return { sopClassUid: inst.sopClassUid, sopInstanceUid: inst.sopInstanceUid, frameNumber: inst.numberOfFrames > 1 ? s.frameIndex + 1 : null };
  });
  return { slices, firstPath: instances[0].path };
}

const newUid = (): string => uidFromHashHex(createHash('sha256').update(`${process.pid}:${Date.now()}:${Math.random()}:${performance.now()}`).digest('hex'));


export type { SegExportResult, SrExportResult };

export class ExportService implements ExportApi {
  constructor(private readonly deps: ExportDeps) {}

  private get db(): Db {
    return this.deps.db;
  }

  /** The model that made a mask, when it came from an accepted proposal. */
  private modelOf(segmentationId: number): { name: string; version: string } | null {
    const r = this.db
      .prepare('SELECT r.model_id AS name, r.model_version AS version FROM ai_proposals p JOIN ai_runs r ON r.id = p.run_id WHERE p.segmentation_id = ?')
      .get(segmentationId) as { name: string; version: string } | undefined;
    return r ?? null;
  }

  /** The grid, slices and source header of an exam's primary CT. */
  private examSource(studyRowId: number) {
    const seriesId = primaryImageSeries(this.db, studyRowId);
    if (seriesId === null) throw notFound(`study ${studyRowId} has no image series to export`);
    const series = getSeriesRow(this.db, seriesId)!;
    if (!series.geometry) throw invalid(`series ${seriesId} has no volume geometry`);
    const refs = sliceRefs(this.db, seriesId);
    if (!refs) throw invalid(`series ${seriesId} has no image frames`);
    return { seriesId, series, geometry: series.geometry, slices: refs.slices, header: readHeader(libraryFile(this.deps.homeDir, refs.firstPath)) };
  }

  /**
   * The exam's TID 1500 measurement report, with its SEG when the exam has masks (the volumetric
   * groups reference its segments). One group per lesion seen on the exam, from the measurement
   * of record; the RECIST lines of the exam as qualitative evaluations.
   */
  async exportSr(input: { studyRowId: number; outDir?: string }): Promise<SrExportResult> {
    const studyRowId = Number(input?.studyRowId);
    if (!Number.isInteger(studyRowId)) throw invalid('exportSr needs { studyRowId }');
    const patientRowId = studyPatientId(this.db, studyRowId);
    if (patientRowId === null) throw notFound(`study ${studyRowId} is not in the library`);
    const src = this.examSource(studyRowId);
    let seg: SegExportResult | null = null;
    try {
      seg = await this.exportSeg({ studyRowId, ...(input.outDir ? { outDir: input.outDir } : {}) });
    } catch (e) {
      if (!(e instanceof Error && /no lesion or liver mask/.test(e.message))) throw e;
    }
    const table = lesionTableData(this.db, patientRowId);
    const assessment = assessLesionTable(table);
    const tpIndex = assessment.recistStudyRowIds.indexOf(studyRowId);
    const tp = tpIndex >= 0 ? assessment.recist?.timepoints[tpIndex] : undefined;
    const roles = new Map(assessment.lesionRoles.map((r) => [r.lesionId, r]));
    const labelOf = new Map(table.lesions.map((l) => [l.id, l.label]));
    const masks = new Map(listSegmentations(this.db, { seriesId: src.seriesId }).filter((m) => m.structure === 'lesion').map((m) => [m.lesionId, m]));
    const groups: SrLesionGroup[] = [];
    const sliceOf = (seriesId: number): SrImageRef[] => (seriesId === src.seriesId ? src.slices : this.examSourceOfSeries(seriesId));
    for (const l of table.lesions) {
      const cell = table.cells[l.id]?.[studyRowId];
      const mask = masks.get(l.id);
      if (!cell || (!cell.status && !mask)) continue;
      let diameters: SrLesionGroup['diameters'] = null;
      if (cell.measurementId !== null && cell.longAxisMm !== null) {
        const m = getMeasurement(this.db, cell.measurementId);
        const p = m.pointsLps;
        const images = sliceOf(m.seriesId);
        const sliceIndex = m.sliceIndex ?? 0;
        const geometry = m.seriesId === src.seriesId ? src.geometry : getSeriesRow(this.db, m.seriesId)!.geometry!;
        diameters = {
          longAxisMm: cell.longAxisMm,
          shortAxisMm: m.kind === 'bidirectional' ? cell.shortAxisMm : null,
          longEnds: [p[0], p[1]],
          shortEnds: m.kind === 'bidirectional' && p.length >= 4 ? [p[2], p[3]] : null,
          image: images[Math.min(images.length - 1, Math.max(0, sliceIndex))],
          sliceIndex,
          geometry,
        };
      }
      const model = mask && mask.source === 'ai' ? this.modelOf(mask.id) : null;
      const segment = seg?.segments.find((x) => x.label === l.label);
      const lineage = table.lineage
        .filter((x) => x.childLesionId === l.id || x.parentLesionId === l.id)
        .map((x) =>
          x.kind === 'split'
            ? x.childLesionId === l.id
              ? `fragment of ${labelOf.get(x.parentLesionId)}`
              : `split: fragment ${labelOf.get(x.childLesionId)}`
            : x.childLesionId === l.id
              ? `merged into ${labelOf.get(x.parentLesionId)}`
              : `${labelOf.get(x.childLesionId)} merged into it`,
        );
      const role = roles.get(l.id);
      groups.push({
        label: l.label,
        trackingUid: trackingUidOf(this.db, l.id),
        finding: LESION_TYPE_CODE[l.lesionType],
        findingSite: SITE_CODE[l.site],
        siteDetail: l.couinaudSegment ? `Couinaud segment ${l.couinaudSegment}` : l.nodeStation,
        model: model ? { ...model, uid: uidFromHashHex(createHash('sha256').update(`model:${model.name}:${model.version}`).digest('hex')) } : null,
        diameters,
        volume: mask && segment ? { volumeMl: mask.volumeMl, meanHu: mask.hu?.meanHu ?? null, segmentNumber: segment.segmentNumber } : null,
        lineage: [...lineage, ...(role && role.role !== l.recistRole && role.note ? [role.note] : [])],
        recistRole: l.recistRole,
        status: cell.status && cell.status !== 'measured' ? cell.status : null,
      });
    }
    const signoff = table.signoffs.find((x) => x.studyRowId === studyRowId && x.reopenedAt === null);
    const responses: { concept: keyof typeof RESPONSE_CODES; value: string }[] = tp
      ? tp.baseline
        ? [{ concept: 'baseline sum', value: tp.sumMm === null ? 'no target lesions' : `${tp.sumMm} mm` }]
        : [
            { concept: 'overall response', value: `${tp.overallResponse}` },
            { concept: 'target response', value: `${tp.targetResponse}` },
            { concept: 'non-target response', value: `${tp.nonTargetResponse}` },
            { concept: 'new lesions', value: tp.newLesionIds.length ? tp.newLesionIds.join(', ') : 'none' },
            { concept: 'sum of diameters', value: tp.sumMm === null ? 'incomplete' : `${tp.sumMm} mm` },
          ]
      : [];
    const exams = table.exams.filter((e) => assessment.recistStudyRowIds.includes(e.studyRowId));
    const order = exams.findIndex((e) => e.studyRowId === studyRowId);
    const sopInstanceUid = newUid();
    const dataset = buildSrDataset(
      {
        header: src.header,
        sourceSeriesInstanceUid: src.series.seriesInstanceUid,
        images: [...new Map(src.slices.map((x) => [x.sopInstanceUid, x])).values()],
        seg: seg ? { sopInstanceUid: seg.sopInstanceUid, seriesInstanceUid: seg.seriesInstanceUid } : null,
        timePoint: order <= 0 ? 'baseline' : `follow-up ${order}`,
        groups,
        responses,
        reader: currentReader().name,
        signedBy: signoff ? { name: signoff.reader.name, at: new Date(signoff.signedAt) } : null,
      },
      { seriesInstanceUid: newUid(), sopInstanceUid, seriesNumber: 9002, softwareVersion: this.deps.version, deviceSerialNumber: createHash('sha256').update(hostname()).digest('hex').slice(0, 12), now: new Date() },
    );
    const outDir = resolve(input.outDir ?? join(this.deps.homeDir, 'exports'));
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `SR_study${studyRowId}.dcm`);
    writeFileSync(`${file}.part`, encodePart10(dataset));
    renameSync(`${file}.part`, file);
    return {
      file,
      seg,
      sopInstanceUid,
      groups: groups.map((x) => ({ label: x.label, trackingUid: x.trackingUid, longAxisMm: x.diameters?.longAxisMm ?? null, shortAxisMm: x.diameters?.shortAxisMm ?? null, volumeMl: x.volume?.volumeMl ?? null })),
      overallResponse: tp?.overallResponse ?? null,
    };
  }

  /**
   * The lesion table as CSV (RFC 4180): one patient's, or the whole library's (`all`), a row per
   * lesion per exam. Patient ID and name only with `identifiers`; otherwise the library's row id.
   */
  async exportCsv(input: { patientRowId?: number; all?: boolean; out: string; identifiers?: boolean }): Promise<{ file: string; rows: number; patients: number }> {
    if (!input?.out) throw invalid('exportCsv needs { out } (a file path)');
    const patients = listPatients(this.db).filter((p) => input.all === true || p.id === input.patientRowId);
    if (!input.all && patients.length === 0) throw notFound(`patient ${input.patientRowId} is not in the library`);
    const rows = patients.flatMap((p) => {
      const table = lesionTableData(this.db, p.id);
      const trackingUids = Object.fromEntries(table.lesions.map((l) => [l.id, trackingUidOf(this.db, l.id)]));
      return lesionCsvRows({ table, assessment: assessLesionTable(table) }, p, { identifiers: input.identifiers === true, trackingUids });
    });
    const file = csvOutPath(this.deps.homeDir, input.out);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.part`, toCsv(LESION_CSV_COLUMNS, rows));
    renameSync(`${file}.part`, file);
    return { file, rows: rows.length, patients: patients.length };
  }

  /**
   * The tumor-board report of a patient (PDF + self-contained HTML): the model is built in core
   * (core/report/tumorBoard.ts), key images are rendered here from the voxels, then drawn twice.
   */
  async exportReport(input: { patientRowId: number; outDir?: string }): Promise<ReportExportResult> {
    const patientRowId = Number(input?.patientRowId);
    if (!Number.isInteger(patientRowId)) throw invalid('exportReport needs { patientRowId }');
    const patient = listPatients(this.db).find((p) => p.id === patientRowId);
    if (!patient) throw notFound(`patient ${patientRowId} is not in the library`);
    const table = lesionTableData(this.db, patientRowId);
    const lt = { table, assessment: assessLesionTable(table) };
    const warnings: string[] = [];
    const keyImages = await this.keyImages(lt, warnings);
    const report = buildTumorBoardReport({
      table: lt,
      patient: { name: patient.name, patientId: patient.patientId, birthDate: patient.birthDate, sex: patient.sex },
      keyImages,
      provenance: await this.provenance(lt),
      generatedAt: new Date().toISOString(),
      software: `Longitude ${this.deps.version}`,
      reader: currentReader(),
    });
    const html = renderReportHtml(report);
    const pdf = await renderReportPdf(report);
    const outDir = resolve(input.outDir ?? join(this.deps.homeDir, 'exports'));
    mkdirSync(outDir, { recursive: true });
    const stem = `Report_${patient.patientId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40) || `patient${patientRowId}`}`;
    const files = { pdf: join(outDir, `${stem}.pdf`), html: join(outDir, `${stem}.html`) };
    writeFileSync(`${files.pdf}.part`, pdf.bytes);
    writeFileSync(`${files.html}.part`, html, 'utf8');
    renameSync(`${files.pdf}.part`, files.pdf);
    renameSync(`${files.html}.part`, files.html);
    return {
      patientRowId,
      ...files,
      pages: pdf.pages,
      exams: report.exams.length,
      targets: lt.assessment.lesionRoles.filter((r) => r.role === 'target').length,
      keyImages: keyImages.length,
      warnings,
    };
  }

  /**
   * The patient's tumor-board report PDF as a DICOM Encapsulated PDF instance, filed under the
   * exam's patient and study (the Patient and General Study modules of its primary CT), for a
   * PACS. The PDF is `pdfFile` when given, else made now with exportReport.
   */
  async exportReportDicom(input: { patientRowId: number; studyRowId: number; outDir?: string; pdfFile?: string }): Promise<{ file: string; sopInstanceUid: string; seriesInstanceUid: string }> {
    const patientRowId = Number(input?.patientRowId);
    const studyRowId = Number(input?.studyRowId);
    if (!Number.isInteger(patientRowId) || !Number.isInteger(studyRowId)) throw invalid('exportReportDicom needs { patientRowId, studyRowId }');
    const owner = studyPatientId(this.db, studyRowId);
    if (owner === null) throw notFound(`study ${studyRowId} is not in the library`);
    // Never file one patient's report under another patient's study.
    if (owner !== patientRowId) throw invalid(`study ${studyRowId} is not an exam of patient ${patientRowId}`);
    const src = this.examSource(studyRowId);
    const pdfFile = input.pdfFile ?? (await this.exportReport({ patientRowId, ...(input.outDir ? { outDir: input.outDir } : {}) })).pdf;
    if (!existsSync(pdfFile)) throw notFound(`${pdfFile} does not exist`);
    const pdf = new Uint8Array(readFileSync(pdfFile));
    if (Buffer.from(pdf.subarray(0, 5)).toString('latin1') !== '%PDF-') throw invalid(`${pdfFile} is not a PDF`);
    const seriesInstanceUid = newUid();
    const sopInstanceUid = newUid();
    const dataset = buildEncapsulatedPdfDataset({
      header: src.header,
      pdf,
      title: 'Tumor board report',
      sourceInstances: [...new Map(src.slices.map((x) => [x.sopInstanceUid, x])).values()],
      seriesInstanceUid,
      sopInstanceUid,
      seriesNumber: 9003,
      softwareVersion: this.deps.version,
      deviceSerialNumber: createHash('sha256').update(hostname()).digest('hex').slice(0, 12),
      now: new Date(),
      burnedInAnnotation: 'YES',
    });
    const outDir = resolve(input.outDir ?? join(this.deps.homeDir, 'exports'));
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `ReportPDF_study${studyRowId}.dcm`);
    writeFileSync(`${file}.part`, encodePart10(dataset));
    renameSync(`${file}.part`, file);
    return { file, sopInstanceUid, seriesInstanceUid };
  }

  /** A key image for every target lesion at every RECIST exam, the lesion centred and at one scale. */
  private async keyImages(lt: { table: ReturnType<typeof lesionTableData>; assessment: ReturnType<typeof assessLesionTable> }, warnings: string[]): Promise<ReportKeyImage[]> {
    const { table, assessment } = lt;
    const volumes = this.deps.volumes;
    if (!volumes) {
      warnings.push('key images need the decoded volumes (not available in this context)');
      return [];
    }
    const labels = examLabels(lt);
    const examById = new Map(table.exams.map((e) => [e.studyRowId, e]));
    const out: ReportKeyImage[] = [];
    for (const role of assessment.lesionRoles.filter((r) => r.role === 'target')) {
      const lesion = table.lesions.find((l) => l.id === role.lesionId);
      if (!lesion) continue;
      const cells = table.cells[lesion.id] ?? {};
      const longest = Math.max(0, ...Object.values(cells).map((c) => c.longAxisMm ?? 0));
      const fovMm = keyImageFovMm(longest || null);
      let previous: { seriesId: number; centre: Vec3 } | null = null;
      for (const studyRowId of assessment.recistStudyRowIds) {
        const exam = examById.get(studyRowId);
        const cell = cells[studyRowId];
        const examLabel = labels.get(studyRowId) ?? 'Not assessed';
        const where = `${lesion.label} on ${examLabel}${exam?.date ? ` (${exam.date})` : ''}`;
        let seriesId: number | null = null;
        let centre: Vec3 | null = null;
        let points: Vec3[] = [];
        let note = '';
        if (cell?.measurementId) {
          const m = getMeasurement(this.db, cell.measurementId);
          seriesId = m.seriesId;
          points = m.pointsLps;
          const [a, b] = [m.pointsLps[0], m.pointsLps[1] ?? m.pointsLps[0]];
          centre = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2];
        } else if (previous) {
          seriesId = primaryImageSeries(this.db, studyRowId);
          if (seriesId !== null) {
            centre = previous.centre;
            note = 'no measurement: the slice at its previous position';
            try {
              const mapped: { pointLps: Vec3; registrationIds: number[] } | undefined = await this.deps.api?.().mapPoint({ fromSeriesId: previous.seriesId, toSeriesId: seriesId, pointLps: previous.centre });
              if (mapped) {
                centre = mapped.pointLps;
                note += mapped.registrationIds.length ? ' (through the registration)' : ' (same frame of reference)';
              }
            } catch {
              note += ' (not registered: same patient coordinates)';
            }
          }
        }
        if (seriesId === null || centre === null) {
          if (cell?.status) warnings.push(`${where}: no key image (${cell.status}, and no earlier measurement to place it)`);
          continue;
        }
        let vol;
        try {
          vol = await volumes.seriesVolume(seriesId);
        } catch (e) {
          warnings.push(`${where}: no key image (series ${seriesId} could not be read: ${e instanceof Error ? e.message : String(e)})`);
          continue;
        }
        const img = renderKeyImage({ geometry: vol.geometry, voxels: vol.voxels, centreLps: centre, fovMm, sizePx: KEY_IMAGE_PX, pointsLps: points });
        const status = cell?.status && cell.status !== 'measured' ? cell.status : null;
        const diam =
          cell?.longAxisMm !== null && cell?.longAxisMm !== undefined
            ? `${cell.longAxisMm.toFixed(1)}${cell.shortAxisMm !== null ? ` × ${cell.shortAxisMm.toFixed(1)}` : ''} mm`
            : (status ?? 'not measured');
        out.push({
          lesionId: lesion.id,
          lesionLabel: lesion.label,
          studyRowId,
          examLabel,
          date: exam?.date ?? null,
          png: new Uint8Array(encodeGrayPng(img.pixels, img.widthPx, img.heightPx)),
          widthPx: img.widthPx,
          heightPx: img.heightPx,
          mmPerPixel: img.mmPerPixel,
          window: SOFT_TISSUE_WINDOW,
          lines: img.lines,
          orientation: img.orientation,
          caption: `${lesion.label} · ${examLabel}${exam?.date ? ` ${exam.date}` : ''} · ${diam}${note ? ` · ${note}` : ''}`,
        });
        if (cell?.measurementId) previous = { seriesId, centre };
      }
    }
    return out;
  }

  /** Which lesion masks a model made, with the model's card (intended use, research-only). */
  private async provenance(lt: { table: ReturnType<typeof lesionTableData>; assessment: ReturnType<typeof assessLesionTable> }): Promise<ReportProvenance[]> {
    const labels = examLabels(lt);
    const models = this.deps.api ? await this.deps.api().listModels().catch(() => []) : [];
    const out: ReportProvenance[] = [];
    for (const l of lt.table.lesions) {
      for (const e of lt.table.exams) {
        for (const seriesId of e.seriesIds) {
          for (const m of listSegmentations(this.db, { seriesId }).filter((x) => x.lesionId === l.id && x.source === 'ai')) {
            const model = this.modelOf(m.id);
            if (!model) continue;
            const card = models.find((x) => x.id === model.name && x.version === model.version)?.card ?? null;
            const use = card?.notForClinicalUse
              ? `Research use only: ${model.name} ${model.version} is not for clinical use.${card.intendedUse ? ` ${card.intendedUse}` : ''}`
              : (card?.intendedUse ?? null);
            out.push({
              lesionLabel: l.label,
              what: `lesion mask on ${labels.get(e.studyRowId) ?? 'an exam'}${e.date ? ` (${e.date})` : ''}`,
              model: model.name,
              version: model.version,
              state: m.hasOriginal ? 'edited by the reader' : 'accepted as proposed',
              intendedUse: use,
            });
          }
        }
      }
    }
    return out;
  }

  /** The bytes of a file under `<home>/exports` (a browser client downloads what was exported). */
  async readExport(input: { file: string }): Promise<ArrayBuffer> {
    if (typeof input?.file !== 'string' || !input.file) throw invalid('readExport needs { file }');
    const root = resolve(join(this.deps.homeDir, 'exports'));
    const file = resolve(isAbsolute(input.file) ? input.file : join(root, input.file));
    if (!existsSync(file) || !existsSync(root)) throw notFound(`${basename(file)} is not among the exported files (${root})`);
    const real = realpathSync(file);
    const rel = relative(realpathSync(root), real);
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) throw invalid(`${input.file} is not under the exports folder; only exported files can be read`);
    const b = readFileSync(real);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  /**
   * A folder under `<home>/exports` (not the exports folder itself) zipped into `<dir>.zip`
   * beside it: what a browser client downloads of a de-identified export. Any other folder is
   * refused, as readExport refuses any other file (its real path must lie inside exports).
   */
  async zipExport(input: { dir: string }): Promise<ZipExportResult> {
    if (typeof input?.dir !== 'string' || !input.dir) throw invalid('zipExport needs { dir }');
    const root = resolve(join(this.deps.homeDir, 'exports'));
    const dir = resolve(isAbsolute(input.dir) ? input.dir : join(root, input.dir));
    if (!existsSync(dir) || !existsSync(root)) throw notFound(`${basename(dir)} is not among the exported folders (${root})`);
    const real = realpathSync(dir);
    const rel = relative(realpathSync(root), real);
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) throw invalid(`${input.dir} is not a folder under the exports folder; only exported folders can be zipped`);
    if (!statSync(real).isDirectory()) throw invalid(`${input.dir} is not a folder`);
    const file = `${real}.zip`;
    let zipped: { files: number; bytes: number };
    try {
      zipped = await zipFolder(real, file);
    } catch (e) {
      throw invalid(`could not zip ${input.dir}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { file, ...zipped };
  }

  async importSrMeasurements(input: { seriesId: number }): Promise<SrImportResult> {
    const seriesId = Number(input?.seriesId);
    if (!Number.isInteger(seriesId)) throw invalid('importSrMeasurements needs { seriesId }');
    // The masks of the SEGs it refers to are placed through the segmentation domain (absent in the CLI's direct use).
    return importSrReport(this.db, this.deps.homeDir, seriesId, this.deps.api?.());
  }

  async createDemoPatient(): Promise<DemoResult> {
    if (!this.deps.api) throw invalid('the demo patient is made through the workstation API');
    return createDemoPatient(this.deps.api(), this.deps.homeDir);
  }

  /** The per-slice image references of another series (a measurement drawn off the primary CT). */
  private examSourceOfSeries(seriesId: number): SrImageRef[] {
    return sliceRefs(this.db, seriesId)?.slices ?? [];
  }


  /**
   * One SEG for an exam: every live lesion mask and the liver on its primary CT. Algorithm type:
   * AUTOMATIC (with the model) for a model's mask nobody edited, SEMIAUTOMATIC for an edited
   * one, MANUAL for the reader's.
   */
  async exportSeg(input: { studyRowId: number; outDir?: string }): Promise<SegExportResult> {
    const studyRowId = Number(input?.studyRowId);
    if (!Number.isInteger(studyRowId)) throw invalid('exportSeg needs { studyRowId }');
    const { seriesId, series, geometry, slices, header } = this.examSource(studyRowId);

    const masks = listSegmentations(this.db, { seriesId }).filter((m) => m.voxelCount > 0);
    const segments: SegSegmentSpec[] = [];
    const lesionMasks = masks.filter((m) => m.structure === 'lesion' && m.lesionId !== null);
    const seen = new Set<number>();
    for (const m of lesionMasks) {
      if (seen.has(m.lesionId!)) continue;
      seen.add(m.lesionId!);
      const lesion = getLesion(this.db, m.lesionId!);
      const model = m.source === 'ai' ? this.modelOf(m.id) : null;
      segments.push({
        segmentNumber: segments.length + 1,
        label: lesion.label,
        category: MORPHOLOGICALLY_ALTERED,
        type: LESION_TYPE_CODE[lesion.lesionType],
        ...(SITE_CODE[lesion.site] ? { anatomicRegion: SITE_CODE[lesion.site]! } : {}),
        algorithmType: model ? (m.hasOriginal ? 'SEMIAUTOMATIC' : 'AUTOMATIC') : 'MANUAL',
        ...(model ? { algorithm: model } : {}),
        trackingId: lesion.label,
        trackingUid: trackingUidOf(this.db, lesion.id),
        mask: readMask(this.db, this.deps.homeDir, m.id),
      });
    }
    const liver = masks.find((m) => m.structure === 'liver');
    if (liver) {
      const model = liver.source === 'ai' ? this.modelOf(liver.id) : null;
      segments.push({
        segmentNumber: segments.length + 1,
        label: 'Liver',
        category: ANATOMICAL_STRUCTURE,
        type: LIVER,
        algorithmType: model ? (liver.hasOriginal ? 'SEMIAUTOMATIC' : 'AUTOMATIC') : 'MANUAL',
        ...(model ? { algorithm: model } : {}),
        trackingId: 'Liver',
        // The organ is not followed as a lesion: a UID of this exam's liver mask.
        trackingUid: uidFromHashHex(createHash('sha256').update(`liver:${series.seriesInstanceUid}`).digest('hex')),
        mask: readMask(this.db, this.deps.homeDir, liver.id),
      });
    }
    if (!segments.length) throw invalid(`study ${studyRowId} has no lesion or liver mask on its CT (series ${seriesId}) to export`);

    const seriesInstanceUid = newUid();
    const sopInstanceUid = newUid();
    const dataset = buildSegDataset({ header, seriesInstanceUid: series.seriesInstanceUid, geometry, slices }, segments, {
      seriesInstanceUid,
      sopInstanceUid,
      seriesNumber: 9001,
      seriesDescription: 'Longitude lesion masks',
      contentCreator: currentReader().name,
      softwareVersion: this.deps.version,
      deviceSerialNumber: createHash('sha256').update(hostname()).digest('hex').slice(0, 12),
      now: new Date(),
    });
    const outDir = resolve(input.outDir ?? join(this.deps.homeDir, 'exports'));
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `SEG_${(series.description || 'series').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40)}_study${studyRowId}.dcm`);
    // Written whole or not at all: a temporary name, then a rename.
    writeFileSync(`${file}.part`, encodePart10(dataset));
    renameSync(`${file}.part`, file);
    return {
      file,
      studyRowId,
      sourceSeriesId: seriesId,
      seriesInstanceUid,
      sopInstanceUid,
      frames: (dataset.PerFrameFunctionalGroupsSequence as unknown[]).length,
      segments: segments.map((s) => ({ segmentNumber: s.segmentNumber, label: s.label, trackingUid: s.trackingUid, algorithmType: s.algorithmType, voxels: s.mask.reduce((n, v) => n + (v ? 1 : 0), 0) })),
    };
  }
}
