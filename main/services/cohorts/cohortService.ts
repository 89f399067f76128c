/**
 * Research cohorts (issue 14): named filters over the library (core/cohort/filter.ts), run on
 * facts gathered from the registry — lesions and their RECIST assessment (lesions/lesionTable.ts,
 * core/recist/lesionAssessment.ts), exams and their scanner (library catalog and the images'
 * headers), accepted AI proposals — and exported for research, de-identified and split by patient.
 *
 * The export writes a folder, whole or not at all (built beside it as `.<name>.partial-<random>`
 * and renamed):
 *
 *   <split>/<pseudonym>/<NN>_<date>/image.nii.gz | dicom/…     the exam's primary image series
 *                                  /lesions.nii.gz | seg/…     its lesion masks
 *                                  /liver.nii.gz               the liver mask (NIfTI only)
 *   lesions.csv    a row per lesion per exported exam (no identifiers; the pseudonym is the key)
 *   splits.csv     pseudonym, split
 *   manifest.json  every file with SHA-256 and size, the filter, the options, the seed, the split
 *                  assignment per pseudonym, the label values, the software version, the counts
 *
 * `<date>` is the exam date moved by the patient's date offset (`dateOffsetDaysOf`, the same
 * offset the de-identified DICOM files get); without one, dates are the original ones and the
 * export says so in its warnings; with the de-identification option Retain Longitudinal Temporal
 * Information off, no date or interval is written at all (folders are `<NN>`). Sex and age are
 * written only with Retain Patient Characteristics, as in the DICOM files. De-identification
 * itself (pseudonyms, DICOM files) is injected by the composition root: this domain never sees
 * the site's secret.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import dcmjs from 'dcmjs';
import type { Cohort, CohortExportInput, CohortExportResult, CohortPatientMatch, CohortShowResult, CohortsApi } from '../../../core/api/domains/cohorts';
import type { SegExportResult } from '../../../core/api/domains/export';
import { conflict, invalid, unavailable } from '../../../core/api/errors';
import type { LesionTable, PatientSummary } from '../../../core/api/types';
import {
  ageYears,
  COHORT_FIELD_NAMES,
  COHORT_FIELDS,
  fieldOf,
  formatCohortFilter,
  matchCohort,
  parseCohortFilter,
  parseSplitFractions,
  patientStratum,
  responsesOf,
  splitPatients,
  type CohortExpr,
  type CohortPatientFacts,
  type CohortSplitResult,
  type CohortSplitSpec,
  type PatientMatch,
} from '../../../core/cohort';
import type { DeidOptions } from '../../../core/deid/types';
import { daysBetween } from '../../../core/dates';
import { assessLesionTable } from '../../../core/recist/lesionAssessment';
import { LESION_CSV_COLUMNS, lesionCsvRows, toCsv } from '../../../core/report/csv';
import { getSeriesRow, listInstances, listPatients, listStudies, primaryImageSeries } from '../library/catalog';
import { libraryFile } from '../library/importer';
import { lesionTableData } from '../lesions/lesionTable';
import { writeNiftiGz } from '../nifti/niftiFile';
import type { Db } from '../registry/db';
import { listSegmentations, readMask } from '../segmentation/segmentationStore';
import { currentReader } from '../session/readerContext';
import type { VolumeAccess } from '../volumes/volumeAccess';
import { deleteCohort, getCohort, insertCohort, listCohorts } from './cohortStore';

/** What the de-identification engine did with a batch of one patient's DICOM files. */
export interface DeidentifiedFiles {
  /** The files written, under `outDir`. */
  written: string[];
  /** Input files left out, each with why (burned-in annotation, a secondary capture, …). */
  excluded: { file: string; reason: string }[];
}

/**
 * De-identify one patient's DICOM files (PS3.15 Annex E) into `outDir` (created if needed), with
 * the patient's pseudonym, date offset and UID replacements. Provided by the deid domain.
 */
export type DeidentifyFiles = (files: readonly string[], outDir: string, patientRowId: number, options?: Partial<DeidOptions>) => Promise<DeidentifiedFiles>;
/** The patient's pseudonym (the same in every export from this site): a keyed HMAC, provided by the deid domain. */
export type PseudonymOf = (patientRowId: number) => string | Promise<string>;
/** Days added to every date of the patient in an export (the same as in its de-identified DICOM files). */
export type DateOffsetDaysOf = (patientRowId: number) => number | Promise<number>;
/** One DICOM SEG of an exam's lesion masks and liver (export/exportService.ts exportSeg). */
export type ExportSeg = (input: { studyRowId: number; outDir: string }) => Promise<SegExportResult>;

export interface CohortDeps {
  db: Db;
  homeDir: string;
  version: string;
  volumes: VolumeAccess;
  /** Needed to export (absent: exportCohort is unavailable). */
  pseudonymOf?: PseudonymOf;
  dateOffsetDaysOf?: DateOffsetDaysOf;
  /** Needed for DICOM images and SEG masks. */
  deidentifyFiles?: DeidentifyFiles;
  /** Needed for SEG masks. */
  exportSeg?: ExportSeg;
}

export const COHORT_EXPORT_FORMAT = 'longitude-cohort-export';
export const COHORT_EXPORT_FORMAT_VERSION = 1;

/** Columns of lesions.csv: the export's keys, then the lesion table's columns without identifiers or internal ids. */
export const COHORT_CSV_COLUMNS = [
  'pseudonym',
  'split',
  'exam',
  'exam_index',
  'exam_date',
  'days_from_first_exam',
  'lesion',
  'mask_label',
  'in_cohort',
  'found_by_model',
  'reference_standard',
  ...LESION_CSV_COLUMNS.filter((c) => !['patient_id', 'patient_name', 'patient_row_id', 'study_row_id', 'exam_date', 'lesion', 'tracking_uid', 'measurement_id', 'signed_by'].includes(c)),
] as const;

/** Everything the filter and the export need about one patient. */
interface PatientGathered {
  patient: PatientSummary;
  facts: CohortPatientFacts;
  table: LesionTable;
  /** studyRowId → primary image series. */
  seriesOf: Map<number, number>;
}

const { DicomMessage } = dcmjs.data as unknown as {
  DicomMessage: { readFile(buffer: ArrayBuffer, opts: { untilTag: string }): { dict: Record<string, { Value?: unknown[] }> } };
};

function firstText(dict: Record<string, { Value?: unknown[] }>, tag: string): string | null {
  const v = dict[tag]?.Value?.[0];
  const s = v === undefined || v === null ? '' : String(v).trim();
  return s || null;
}

/** How dates leave: moved by the patient's offset, as they are (no offset supplied), or not at all. */
type DatePolicy = 'shifted' | 'original' | 'removed';

const MS_PER_DAY = 86_400_000;
/** An ISO date as exported: shifted by `days`, or null when dates are removed or it is not a date. */
function outDate(date: string | null, days: number, policy: DatePolicy): string | null {
  const m = date ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null;
  if (!m || policy === 'removed') return null;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + days * MS_PER_DAY).toISOString().slice(0, 10);
}

function examDirName(index: number, date: string | null, policy: DatePolicy): string {
  const nn = String(index + 1).padStart(2, '0');
  return policy === 'removed' ? nn : `${nn}_${date ?? 'undated'}`;
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

const posix = (p: string): string => p.split(sep).join('/');
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Where an export goes: an absolute path is the caller's choice (the CLI resolves its --out); a
 * relative one is a name a client gives without knowing the workstation's folders, so it lands
 * under `<home>/exports`, never outside it.
 */
export function cohortOutPath(homeDir: string, out: string): string {
  if (isAbsolute(out)) return resolve(out);
  const root = resolve(join(homeDir, 'exports'));
  const dir = resolve(root, out);
  const rel = relative(root, dir);
  if (!rel || rel.split(sep)[0] === '..' || isAbsolute(rel)) throw invalid(`a relative out (${out}) must name a folder inside the exports folder, where it is written`);
  return dir;
}

export class CohortService implements CohortsApi {
  /** Scanner and Patient's Age per instance file (by its SHA-256: library files never change). */
  private readonly headerCache = new Map<string, { scanner: string | null; patientAge: string | null; modality: string | null }>();

  constructor(private readonly deps: CohortDeps) {}

  private get db(): Db {
    return this.deps.db;
  }

  async createCohort(input: { name: string; where: string }): Promise<Cohort> {
    const name = typeof input?.name === 'string' ? input.name.trim() : '';
    if (!name) throw invalid('a cohort needs a name');
    if (name.length > 128 || /[\u0000-\u001f\u007f]/.test(name)) throw invalid('a cohort name is at most 128 characters, without control characters');
    if (typeof input.where !== 'string' || !input.where.trim()) throw invalid(`a cohort needs a filter (--where), e.g. site=liver and type=metastasis; fields: ${COHORT_FIELD_NAMES.join(', ')}`);
    parseCohortFilter(input.where);
    return insertCohort(this.db, name, input.where.trim());
  }

  async listCohorts(): Promise<Cohort[]> {
    return listCohorts(this.db);
  }

  async deleteCohort(input: { name: string }): Promise<{ deleted: string }> {
    return { deleted: deleteCohort(this.db, String(input?.name ?? '')).name };
  }

  async showCohort(input: { name: string }): Promise<CohortShowResult> {
    const cohort = getCohort(this.db, String(input?.name ?? ''));
    const expr = parseCohortFilter(cohort.where);
    const { gathered, matches } = this.run(expr);
    const patients = matches.map((m) => this.describeMatch(gathered.get(m.patientRowId)!, m));
    return {
      cohort,
      filter: formatCohortFilter(expr),
      patients,
      counts: { patients: patients.length, exams: patients.reduce((s, p) => s + p.exams.length, 0), lesions: patients.reduce((s, p) => s + p.lesions.length, 0) },
    };
  }

  // ---- gathering ----

  private run(expr: CohortExpr): { gathered: Map<number, PatientGathered>; matches: PatientMatch[] } {
    const gathered = new Map(listPatients(this.db).map((p) => [p.id, this.gather(p)]));
    return { gathered, matches: matchCohort(expr, [...gathered.values()].map((g) => g.facts)) };
  }

  /** The scanner (manufacturer and model), Patient's Age and modality of a series, from its first image's header. */
  private seriesHeader(seriesId: number): { scanner: string | null; patientAge: string | null; modality: string | null } {
    const inst = listInstances(this.db, seriesId)[0];
    if (!inst) return { scanner: null, patientAge: null, modality: null };
    const cached = this.headerCache.get(inst.sha256);
    if (cached) return cached;
    let found = { scanner: null as string | null, patientAge: null as string | null, modality: null as string | null };
    try {
      const b = readFileSync(libraryFile(this.deps.homeDir, inst.path));
      const { dict } = DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, { untilTag: '7FE00010' });
      const scanner = [firstText(dict, '00080070'), firstText(dict, '00081090')].filter(Boolean).join(' ');
      found = { scanner: scanner || null, patientAge: firstText(dict, '00101010'), modality: firstText(dict, '00080060') };
    } catch {
      // An unreadable header leaves the scanner unknown; the filter treats it as missing.
    }
    this.headerCache.set(inst.sha256, found);
    return found;
  }

  private gather(patient: PatientSummary): PatientGathered {
    const db = this.db;
    const seriesOf = new Map<number, number>();
    const exams: CohortPatientFacts['exams'] = [];
    for (const st of listStudies(db, patient.id)) {
      const seriesId = primaryImageSeries(db, st.id);
      if (seriesId === null) continue;
      seriesOf.set(st.id, seriesId);
      const header = this.seriesHeader(seriesId);
      const modality = getSeriesRow(db, seriesId)?.modality || header.modality;
      exams.push({ studyRowId: st.id, date: st.date, ageYears: ageYears(patient.birthDate, st.date, header.patientAge), modality: modality || null, scanner: header.scanner });
    }
    const tableData = lesionTableData(db, patient.id);
    const table: LesionTable = { table: tableData, assessment: assessLesionTable(tableData) };
    const byModel = new Set(
      (
        db
          .prepare(`SELECT DISTINCT p.lesion_id AS id FROM ai_proposals p JOIN lesions l ON l.id = p.lesion_id WHERE p.status = 'accepted' AND l.patient_id = ?`)
          .all(patient.id) as { id: number }[]
      ).map((r) => r.id),
    );
    const lesions: CohortPatientFacts['lesions'] = tableData.lesions.map((l) => {
      const lineage = new Set<'split' | 'merged'>();
      for (const x of tableData.lineage) if (x.parentLesionId === l.id || x.childLesionId === l.id) lineage.add(x.kind === 'split' ? 'split' : 'merged');
      return { lesionId: l.id, label: l.label, site: l.site, type: l.lesionType, role: l.recistRole, reference: l.referenceStandard, model: byModel.has(l.id), lineage: [...lineage].sort() };
    });
    const sex = patient.sex ? (['M', 'F', 'O'].includes(patient.sex.toUpperCase()) ? patient.sex.toUpperCase() : patient.sex) : null;
    return { patient, table, seriesOf, facts: { patientRowId: patient.id, sex, ...responsesOf(table.assessment), exams, lesions } };
  }

  private describeMatch(g: PatientGathered, m: PatientMatch): CohortPatientMatch {
    const examSet = new Set(m.studyRowIds);
    const lesionSet = new Set(m.lesionIds);
    return {
      patientRowId: g.patient.id,
      patientId: g.patient.patientId,
      name: g.patient.name,
      sex: g.facts.sex,
      response: g.facts.response,
      lastResponse: g.facts.lastResponse,
      exams: g.facts.exams.filter((e) => examSet.has(e.studyRowId)).map((e) => ({ studyRowId: e.studyRowId, date: e.date, modality: e.modality, scanner: e.scanner, ageYears: e.ageYears })),
      lesions: g.facts.lesions.filter((l) => lesionSet.has(l.lesionId)).map((l) => ({ ...l, lineage: [...l.lineage] })),
    };
  }

  // ---- export ----

  private exportOptions(input: CohortExportInput) {
    if (!input || typeof input !== 'object') throw invalid('exportCohort needs { name, out }');
    const images = input.images ?? 'nifti';
    const masks = input.masks ?? 'nifti';
    if (images !== 'dicom' && images !== 'nifti') throw invalid(`images must be dicom or nifti, got ${JSON.stringify(images)}`);
    if (masks !== 'seg' && masks !== 'nifti') throw invalid(`masks must be seg or nifti, got ${JSON.stringify(masks)}`);
    if (typeof input.out !== 'string' || !input.out.trim()) throw invalid('exportCohort needs { out }: a folder that does not exist yet or is empty');
    if (input.split !== undefined && input.folds !== undefined) throw invalid('give a split (e.g. 70/15/15) or folds, not both');
    let spec: CohortSplitSpec | null = null;
    if (input.split !== undefined) spec = { kind: 'fractions', parts: parseSplitFractions(input.split) };
    if (input.folds !== undefined) {
      const k = Number(input.folds);
      if (!Number.isInteger(k) || k < 2) throw invalid(`folds must be an integer ≥ 2, got ${JSON.stringify(input.folds)}`);
      spec = { kind: 'folds', k };
    }
    let stratify: (typeof COHORT_FIELD_NAMES)[number] | null = null;
    if (input.stratify !== undefined && input.stratify !== '') {
      if (!spec) throw invalid('stratify goes with a split or folds');
      const f = fieldOf(String(input.stratify));
      const allowed = COHORT_FIELD_NAMES.filter((x) => COHORT_FIELDS[x].stratify);
      if (!f || !COHORT_FIELDS[f].stratify) throw invalid(`cannot stratify by '${input.stratify}'; fields: ${allowed.join(', ')}`);
      stratify = f;
    }
    if (input.seed !== undefined && (typeof input.seed !== 'string' || !input.seed)) throw invalid('a seed is non-empty text');
    return { images, masks, spec, stratify, seed: spec ? (input.seed ?? randomBytes(8).toString('hex')) : null } as const;
  }

  async exportCohort(input: CohortExportInput): Promise<CohortExportResult> {
    const opts = this.exportOptions(input);
    const { pseudonymOf, deidentifyFiles, exportSeg } = this.deps;
    if (!pseudonymOf) throw unavailable('exporting a cohort needs the de-identification service (pseudonyms), which this workstation was started without');
    if ((opts.images === 'dicom' || opts.masks === 'seg') && !deidentifyFiles)
      throw unavailable(`${opts.images === 'dicom' ? 'DICOM images' : 'SEG masks'} are exported de-identified, and this workstation was started without the de-identification engine; export NIfTI (images nifti, masks nifti)`);
    if (opts.masks === 'seg' && !exportSeg) throw unavailable('SEG masks need the export service, which this workstation was started without');
    const cohort = getCohort(this.db, String(input.name ?? ''));
    const expr = parseCohortFilter(cohort.where);
    const out = cohortOutPath(this.deps.homeDir, input.out);
    if (existsSync(out)) {
      if (!statSync(out).isDirectory()) throw invalid(`${out} exists and is not a folder`);
      if (readdirSync(out).length) throw invalid(`${out} exists and is not empty: export into a new or empty folder`);
    }

    // Warnings travel in the manifest: they name pseudonyms and exam folders, never a patient's identity.
    const warnings: string[] = [];
    const { gathered, matches } = this.run(expr);
    const exported = matches.filter((m) => m.studyRowIds.length > 0);
    if (exported.length < matches.length) warnings.push(`${matches.length - exported.length} matching patient(s) have no exam with images and are left out`);
    if (!exported.length) throw invalid(`cohort "${cohort.name}" matches no exam with images (filter: ${formatCohortFilter(expr)})`);

    // Pseudonyms and date offsets, from the deid domain.
    const pseudo = new Map<number, { id: string; offset: number }>();
    for (const m of exported) {
      const id = String(await pseudonymOf(m.patientRowId));
      if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new Error(`the pseudonym of patient row ${m.patientRowId} is not usable as a folder name`);
      const offset = this.deps.dateOffsetDaysOf ? Number(await this.deps.dateOffsetDaysOf(m.patientRowId)) : 0;
      if (!Number.isInteger(offset)) throw new Error(`the date offset of patient row ${m.patientRowId} is not a whole number of days`);
      pseudo.set(m.patientRowId, { id, offset });
    }
    const ids = [...pseudo.values()].map((p) => p.id);
    if (new Set(ids).size !== ids.length) throw new Error('two patients got the same pseudonym: the export would mix them');
    const dates: DatePolicy = input.deid?.retainLongitudinalModifiedDates === false ? 'removed' : this.deps.dateOffsetDaysOf ? 'shifted' : 'original';
    const keepCharacteristics = input.deid?.retainPatientCharacteristics === true;
    if (dates === 'original') warnings.push('exam dates are the original dates: no date offset was supplied (folder names, lesions.csv and the manifest carry them)');

    // The split, by pseudonym, so it is reproducible from the seed wherever the same site exports.
    const stratumOf = (m: PatientMatch): string => {
      const g = gathered.get(m.patientRowId)!;
      const examSet = new Set(m.studyRowIds);
      const lesionSet = new Set(m.lesionIds);
      return patientStratum(opts.stratify!, { ...g.facts, exams: g.facts.exams.filter((e) => examSet.has(e.studyRowId)), lesions: g.facts.lesions.filter((l) => lesionSet.has(l.lesionId)) });
    };
    let split: CohortSplitResult | null = null;
    if (opts.spec)
      split = splitPatients(
        exported.map((m) => ({ id: pseudo.get(m.patientRowId)!.id, ...(opts.stratify ? { stratum: stratumOf(m) } : {}) })),
        opts.spec,
        opts.seed!,
      );
    const partOf = (m: PatientMatch): string => (split ? split.assignment[pseudo.get(m.patientRowId)!.id] : 'all');

    mkdirSync(dirname(out), { recursive: true });
    const partial = mkdtempSync(join(dirname(out), `.${basename(out)}.partial-`));
    try {
      const work = join(partial, '.work');
      const ordered = [...exported].sort((a, b) => compareText(pseudo.get(a.patientRowId)!.id, pseudo.get(b.patientRowId)!.id));
      const patientsManifest: unknown[] = [];
      const csvRows: Record<string, string | number | null>[] = [];
      let examCount = 0;
      let lesionCount = 0;
      for (const m of ordered) {
        const g = gathered.get(m.patientRowId)!;
        const { id: pseudonym, offset } = pseudo.get(m.patientRowId)!;
        const part = partOf(m);
        const lesionSet = new Set(m.lesionIds);
        // Every lesion of the patient has one label value in every exam's label map (a complete annotation), in the table's order.
        const labelOf = new Map(g.facts.lesions.map((l, i) => [l.lesionId, i + 1]));
        const labels = g.facts.lesions.map((l) => ({ value: labelOf.get(l.lesionId)!, lesion: l.label, site: l.site, type: l.type, role: l.role, reference: l.reference, model: l.model, lineage: l.lineage, inCohort: lesionSet.has(l.lesionId) }));
        const exams = g.facts.exams.filter((e) => m.studyRowIds.includes(e.studyRowId));
        const firstDate = exams.find((e) => e.date)?.date ?? null;
        const examsManifest: unknown[] = [];
        for (const [i, e] of exams.entries()) {
          const date = outDate(e.date, offset, dates);
          const dirName = examDirName(i, date, dates);
          const rel = posix(join(part, pseudonym, dirName));
          const examDir = join(partial, part, pseudonym, dirName);
          mkdirSync(examDir, { recursive: true });
          const seriesId = g.seriesOf.get(e.studyRowId)!;
          const files: Record<string, string | null> = { image: null, lesions: null, liver: null, dicom: null, seg: null };
          const where = `${pseudonym} exam ${dirName}`;
          if (opts.masks === 'nifti') {
            const others = (g.table.table.exams.find((x) => x.studyRowId === e.studyRowId)?.seriesIds ?? []).filter((id) => id !== seriesId);
            const elsewhere = others.reduce((sum, id) => sum + listSegmentations(this.db, { seriesId: id }).length, 0);
            if (elsewhere) warnings.push(`${where}: ${elsewhere} mask(s) drawn on another series of the exam are not in the label maps (only the primary image series is exported)`);
          }
          if (opts.images === 'nifti' || opts.masks === 'nifti') {
            const written = await this.writeNiftiExam(seriesId, examDir, labelOf, opts.images === 'nifti', opts.masks === 'nifti', where, warnings);
            Object.assign(files, Object.fromEntries(Object.entries(written).map(([k, v]) => [k, v ? posix(join(rel, v)) : null])));
          }
          if (opts.images === 'dicom') {
            const instances = listInstances(this.db, seriesId).map((x) => libraryFile(this.deps.homeDir, x.path));
            const r = await this.deidentifyInto(instances, join(examDir, 'dicom'), work, m.patientRowId, input.deid);
            for (const x of r.excluded) warnings.push(`${where}: an image was left out of the de-identified export: ${x.reason}`);
            files.dicom = r.written ? `${rel}/dicom` : null;
          }
          if (opts.masks === 'seg') {
            mkdirSync(work, { recursive: true });
            const segDir = mkdtempSync(join(work, 'seg-'));
            let seg: SegExportResult | null = null;
            try {
              seg = await exportSeg!({ studyRowId: e.studyRowId, outDir: segDir });
            } catch (err) {
              if (!(err instanceof Error && /no lesion or liver mask/.test(err.message))) throw err;
              warnings.push(`${where}: no lesion or liver mask, no SEG`);
            }
            if (seg) {
              const r = await this.deidentifyInto([seg.file], join(examDir, 'seg'), work, m.patientRowId, input.deid);
              for (const x of r.excluded) warnings.push(`${where}: the SEG was left out of the de-identified export: ${x.reason}`);
              files.seg = r.written ? `${rel}/seg` : null;
            }
            rmSync(segDir, { recursive: true, force: true });
          }
          examsManifest.push({
            index: i + 1,
            dir: rel,
            date,
            daysFromFirstExam: dates !== 'removed' && e.date && firstDate ? daysBetween(firstDate, e.date) : null,
            modality: e.modality,
            ...(keepCharacteristics ? { ageYears: e.ageYears } : {}),
            files,
          });
        }
        examCount += exams.length;
        lesionCount += m.lesionIds.length;
        csvRows.push(...this.csvRowsOf(g, exams, { pseudonym, part, offset, dates, labelOf, lesionSet }));
        patientsManifest.push({
          pseudonym,
          split: part,
          ...(split?.strata ? { stratum: split.strata[pseudonym] } : {}),
          ...(keepCharacteristics ? { sex: g.facts.sex } : {}),
          response: g.facts.response,
          lastResponse: g.facts.lastResponse,
          labels,
          exams: examsManifest,
        });
      }
      rmSync(work, { recursive: true, force: true });

      writeFileSync(join(partial, 'lesions.csv'), toCsv(COHORT_CSV_COLUMNS, csvRows));
      const splitRows = ordered.map((m) => ({ pseudonym: pseudo.get(m.patientRowId)!.id, split: partOf(m), ...(split?.strata ? { stratum: split.strata[pseudo.get(m.patientRowId)!.id] } : {}) }));
      writeFileSync(join(partial, 'splits.csv'), toCsv(split?.strata ? ['pseudonym', 'split', 'stratum'] : ['pseudonym', 'split'], splitRows));

      const files = filesUnder(partial)
        .map((f) => ({ path: posix(relative(partial, f)), sha256: sha256File(f), size: statSync(f).size }))
        .sort((a, b) => compareText(a.path, b.path));
      const bytes = files.reduce((s, f) => s + f.size, 0);
      const parts = split ? split.parts : ['all'];
      const perPart = Object.fromEntries(
        parts.map((p) => {
          const ms = exported.filter((m) => partOf(m) === p);
          return [p, { patients: ms.length, exams: ms.reduce((s, m) => s + m.studyRowIds.length, 0), lesions: ms.reduce((s, m) => s + m.lesionIds.length, 0) }];
        }),
      );
      const reader = currentReader();
      const manifest = {
        format: COHORT_EXPORT_FORMAT,
        formatVersion: COHORT_EXPORT_FORMAT_VERSION,
        software: { name: 'Longitude', version: this.deps.version },
        createdAt: new Date().toISOString(),
        exportedBy: { name: reader.name, id: reader.id ?? null },
        cohort: { name: cohort.name, where: cohort.where, filter: formatCohortFilter(expr), createdAt: cohort.createdAt },
        options: { images: opts.images, masks: opts.masks, split: opts.spec?.kind === 'fractions' ? opts.spec.parts : null, folds: opts.spec?.kind === 'folds' ? opts.spec.k : null, stratify: opts.stratify, deid: input.deid ?? null },
        seed: opts.seed,
        split: split
          ? { kind: split.spec.kind, parts: split.parts, counts: split.counts, stratify: opts.stratify, countsByStratum: split.countsByStratum, assignment: split.assignment }
          : { kind: 'none', parts: ['all'], counts: { all: exported.length }, stratify: null, countsByStratum: null, assignment: Object.fromEntries(ids.sort(compareText).map((id) => [id, 'all'])) },
        dates:
          dates === 'shifted'
            ? 'shifted by the per-patient offset of the de-identification (intervals kept)'
            : dates === 'removed'
              ? 'removed (Retain Longitudinal Temporal Information off): no dates or intervals'
              : 'original (no date offset was supplied)',
        patientCharacteristics: keepCharacteristics ? 'kept (sex, age)' : 'removed',
        layout: {
          exam: '<split>/<pseudonym>/<NN>_<date>/: NN numbers the patient’s exported exams by date',
          'image.nii.gz': 'the exam’s primary image series, int16 Hounsfield units, NIfTI-1 with the scanner (DICOM LPS) frame as sform/qform',
          'lesions.nii.gz': 'lesion label map on the image grid (uint8, uint16 beyond 255 lesions): 0 background, each lesion of the patient one value, the same in every exam (see patients[].labels); where masks overlap the higher value is kept',
          'liver.nii.gz': 'liver mask on the image grid: 1 liver',
          dicom: 'the exam’s primary image series, de-identified (PS3.15 Annex E)',
          seg: 'DICOM SEG of the exam’s lesion masks and liver, de-identified',
          'lesions.csv': 'a row per lesion per exported exam from its first sighting on; mask_label is its value in lesions.nii.gz; in_cohort says whether the lesion itself matches the filter',
          'splits.csv': 'pseudonym → split (and stratum)',
        },
        counts: { patients: exported.length, exams: examCount, lesions: lesionCount, files: files.length, bytes, perSplit: perPart },
        patients: patientsManifest,
        warnings,
        files,
      };
      writeFileSync(join(partial, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      try {
        if (existsSync(out)) rmdirSync(out); // empty, checked above
        renameSync(partial, out);
      } catch (err) {
        if (existsSync(out)) throw conflict(`${out} was filled by something else while the export was written; nothing was exported`);
        throw err;
      }
      return {
        out,
        manifest: join(out, 'manifest.json'),
        patients: exported.length,
        exams: examCount,
        lesions: lesionCount,
        files: files.length + 1,
        bytes,
        seed: opts.seed,
        splits: Object.fromEntries(parts.map((p) => [p, perPart[p].patients])),
        warnings,
      };
    } catch (err) {
      rmSync(partial, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * One patient's DICOM files de-identified by the injected engine into a scratch folder, then
   * moved flat into `target` (whatever layout the engine writes: the exam folder already says
   * patient, exam and what it holds). Returns how many files landed and what was left out.
   */
  private async deidentifyInto(files: string[], target: string, work: string, patientRowId: number, options: Partial<DeidOptions> | undefined): Promise<{ written: number; excluded: DeidentifiedFiles['excluded'] }> {
    mkdirSync(work, { recursive: true });
    const scratch = mkdtempSync(join(work, 'deid-'));
    try {
      const r = await this.deps.deidentifyFiles!(files, scratch, patientRowId, options);
      if (r.written.length) mkdirSync(target, { recursive: true });
      for (const f of r.written) {
        const rel = relative(scratch, resolve(f));
        if (!rel || rel.split(sep)[0] === '..' || isAbsolute(rel)) throw new Error(`the de-identification engine wrote ${f} outside the folder it was given`);
        let name = basename(f);
        for (let n = 2; existsSync(join(target, name)); n++) name = `${basename(f).replace(/(\.dcm)?$/i, '')}_${n}.dcm`;
        renameSync(f, join(target, name));
      }
      return { written: r.written.length, excluded: r.excluded };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  /** image.nii.gz, lesions.nii.gz and liver.nii.gz of one exam; names written (relative to the exam folder). */
  private async writeNiftiExam(
    seriesId: number,
    examDir: string,
    labelOf: Map<number, number>,
    image: boolean,
    masks: boolean,
    where: string,
    warnings: string[],
  ): Promise<{ image?: string | null; lesions?: string | null; liver?: string | null }> {
    const vol = await this.deps.volumes.seriesVolume(seriesId);
    const written: { image?: string | null; lesions?: string | null; liver?: string | null } = {};
    const write = async (name: string, data: Parameters<typeof writeNiftiGz>[1], intent: 'label' | 'none'): Promise<string | null> => {
      try {
        await writeNiftiGz(join(examDir, name), data, vol.geometry, { intent, description: 'Longitude cohort export' });
        return name;
      } catch (err) {
        warnings.push(`${where}: ${name} not written: ${(err as Error).message.replace(/^.*?\.nii\.gz: /, '')}`);
        return null;
      }
    };
    if (image) written.image = await write('image.nii.gz', vol.voxels, 'none');
    if (!masks) return written;
    const segs = listSegmentations(this.db, { seriesId });
    const lesionSegs = segs.filter((s) => s.structure === 'lesion' && s.lesionId !== null && labelOf.has(s.lesionId));
    const liver = segs.filter((s) => s.structure === 'liver').at(-1);
    const n = vol.voxels.length;
    if (lesionSegs.length) {
      const max = Math.max(...labelOf.values());
      const map = max > 255 ? new Uint16Array(n) : new Uint8Array(n);
      let overlap = 0;
      // Lower values first, so the higher value is kept where masks overlap (as documented).
      for (const s of [...lesionSegs].sort((a, b) => labelOf.get(a.lesionId!)! - labelOf.get(b.lesionId!)! || a.id - b.id)) {
        const mask = readMask(this.db, this.deps.homeDir, s.id);
        if (mask.length !== n) {
          warnings.push(`${where}: a lesion mask does not fit the image grid and was left out`);
          continue;
        }
        const value = labelOf.get(s.lesionId!)!;
        for (let i = 0; i < n; i++)
          if (mask[i]) {
            if (map[i] && map[i] !== value) overlap++;
            map[i] = value;
          }
      }
      if (overlap) warnings.push(`${where}: lesion masks overlap in ${overlap} voxels (the higher label value is kept)`);
      written.lesions = await write('lesions.nii.gz', map, 'label');
    }
    if (liver) {
      const mask = readMask(this.db, this.deps.homeDir, liver.id);
      if (mask.length === n) written.liver = await write('liver.nii.gz', mask.map((v) => (v ? 1 : 0)), 'label');
      else warnings.push(`${where}: the liver mask does not fit the image grid and was left out`);
    }
    return written;
  }

  private csvRowsOf(
    g: PatientGathered,
    exams: CohortPatientFacts['exams'],
    k: { pseudonym: string; part: string; offset: number; dates: DatePolicy; labelOf: Map<number, number>; lesionSet: Set<number> },
  ): Record<string, string | number | null>[] {
    const index = new Map(exams.map((e, i) => [e.studyRowId, i]));
    const firstDate = exams.find((e) => e.date)?.date ?? null;
    const lesionByLabel = new Map(g.facts.lesions.map((l) => [l.label, l]));
    const shift = (d: string | number | null): string | null => (typeof d === 'string' ? outDate(d, k.offset, k.dates) : null);
    return lesionCsvRows(g.table, { id: g.patient.id, patientId: '', name: '' }, { identifiers: false })
      .filter((r) => index.has(Number(r.study_row_id)))
      .map((r) => {
        const i = index.get(Number(r.study_row_id))!;
        const e = exams[i];
        const date = outDate(e.date, k.offset, k.dates);
        const l = lesionByLabel.get(String(r.lesion));
        const row: Record<string, string | number | null> = {
          pseudonym: k.pseudonym,
          split: k.part,
          exam: examDirName(i, date, k.dates),
          exam_index: i + 1,
          exam_date: date,
          days_from_first_exam: k.dates !== 'removed' && e.date && firstDate ? daysBetween(firstDate, e.date) : null,
          lesion: r.lesion,
          mask_label: l ? k.labelOf.get(l.lesionId)! : null,
          in_cohort: l && k.lesionSet.has(l.lesionId) ? 'yes' : 'no',
          found_by_model: l?.model ? 'yes' : 'no',
          reference_standard: l?.reference ?? null,
        };
        for (const c of COHORT_CSV_COLUMNS) if (!(c in row)) row[c] = c === 'first_seen_date' ? shift(r.first_seen_date) : ((r as Record<string, string | number | null>)[c] ?? null);
        return row;
      });
  }
}
