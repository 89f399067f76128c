/**
 * Writing a patient to disk: one DICOM file per slice (CT Image Storage,
 * Explicit VR Little Endian), optional raw label maps, and truth.json.
 * Large series are split across worker threads by slice; every slice is a
 * pure function of the options and its index, so the files are identical
 * whatever the number of workers.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CT_IMAGE_STORAGE, type DicomElement, encodeImageFile, formatDs, formatIs, tag } from './dicomWriter';
import {
  PhantomOptionError,
  type PhantomOptions,
  type PhantomTruth,
  type PreparedExam,
  type PreparedPatient,
  type ResolvedPhantomOptions,
  type TimepointTruth,
  finishTimepoint,
  preparePatient,
} from './phantom';
import { type ExamStats, SliceBuffers, emptyStats, mergeStats, synthesizeSlice } from './synthesize';
import { phantomUid } from './uid';

export interface WriteOptions extends PhantomOptions {
  /** Also write each exam's label map as raw Uint8 (see TimepointTruth.labelsFile). Default false. */
  writeLabels?: boolean;
  /** Worker threads synthesising slices; 1 = in-process. Default 1. */
  workers?: number;
}

export interface WrittenPatient {
  patientDir: string;
  truthPath: string;
  /** Absolute series folders, one per timepoint. */
  seriesDirs: string[];
  truth: PhantomTruth;
  /** DICOM files written. */
  fileCount: number;
}

/** What one writer (the main thread or a worker) does: every `stride`-th slice from `first`. */
export interface SliceJob {
  options: ResolvedPhantomOptions;
  patientDir: string;
  writeLabels: boolean;
  first: number;
  stride: number;
}

/** Attributes shared by every slice of one exam. */
function seriesElements(prep: PreparedPatient, exam: PreparedExam): DicomElement[] {
  const o = prep.options;
  const t = exam.truth;
  const p = prep.truthBase.patient;
  const months = (da: string) => Number(da.slice(0, 4)) * 12 + Number(da.slice(4, 6)) - 1;
  const ageYears = Math.floor((months(t.studyDate) - months(p.birthDate)) / 12);
  return [
    { tag: tag(0x0008, 0x0008), vr: 'CS', value: ['ORIGINAL', 'PRIMARY', 'AXIAL'] },
    { tag: tag(0x0008, 0x0016), vr: 'UI', value: CT_IMAGE_STORAGE },
    { tag: tag(0x0008, 0x0020), vr: 'DA', value: t.studyDate },
    { tag: tag(0x0008, 0x0021), vr: 'DA', value: t.studyDate },
    { tag: tag(0x0008, 0x0022), vr: 'DA', value: t.studyDate },
    { tag: tag(0x0008, 0x0023), vr: 'DA', value: t.studyDate },
    { tag: tag(0x0008, 0x0030), vr: 'TM', value: t.studyTime },
    { tag: tag(0x0008, 0x0031), vr: 'TM', value: t.studyTime },
    { tag: tag(0x0008, 0x0032), vr: 'TM', value: t.studyTime },
    { tag: tag(0x0008, 0x0033), vr: 'TM', value: t.studyTime },
    { tag: tag(0x0008, 0x0050), vr: 'SH', value: t.accessionNumber },
    { tag: tag(0x0008, 0x0060), vr: 'CS', value: 'CT' },
    { tag: tag(0x0008, 0x0070), vr: 'LO', value: 'Longitude phantom' },
    { tag: tag(0x0008, 0x0090), vr: 'PN', value: '' },
    { tag: tag(0x0008, 0x1030), vr: 'LO', value: 'CT ABDOMEN WITH CONTRAST' },
    { tag: tag(0x0008, 0x103e), vr: 'LO', value: t.seriesDescription },
    { tag: tag(0x0008, 0x1090), vr: 'LO', value: 'Synthetic CT' },
    { tag: tag(0x0010, 0x0010), vr: 'PN', value: p.patientName },
    { tag: tag(0x0010, 0x0020), vr: 'LO', value: p.patientId },
    { tag: tag(0x0010, 0x0030), vr: 'DA', value: p.birthDate },
    { tag: tag(0x0010, 0x0040), vr: 'CS', value: p.sex },
    { tag: tag(0x0010, 0x1010), vr: 'AS', value: `${String(Math.min(Math.max(ageYears, 0), 999)).padStart(3, '0')}Y` },
    { tag: tag(0x0018, 0x0010), vr: 'LO', value: 'IV contrast' },
    // Lets validators see the body part is unpaired, so Laterality (2C) is not required.
    { tag: tag(0x0018, 0x0015), vr: 'CS', value: 'ABDOMEN' },
    { tag: tag(0x0018, 0x0050), vr: 'DS', value: formatDs(o.sliceThicknessMm) },
    { tag: tag(0x0018, 0x0060), vr: 'DS', value: '120' },
    { tag: tag(0x0018, 0x1020), vr: 'LO', value: 'longitude-phantom 1' },
    { tag: tag(0x0018, 0x1040), vr: 'LO', value: 'IV' },
    { tag: tag(0x0018, 0x1210), vr: 'SH', value: 'STANDARD' },
    { tag: tag(0x0018, 0x5100), vr: 'CS', value: 'HFS' },
    { tag: tag(0x0020, 0x000d), vr: 'UI', value: t.studyInstanceUid },
    { tag: tag(0x0020, 0x000e), vr: 'UI', value: t.seriesInstanceUid },
    { tag: tag(0x0020, 0x0010), vr: 'SH', value: String(t.index + 1) },
    { tag: tag(0x0020, 0x0011), vr: 'IS', value: formatIs(t.seriesNumber) },
    { tag: tag(0x0020, 0x0012), vr: 'IS', value: '1' },
    // The scanner grid stays axis-aligned; the patient moves inside it.
    { tag: tag(0x0020, 0x0037), vr: 'DS', value: ['1', '0', '0', '0', '1', '0'] },
    { tag: tag(0x0020, 0x0052), vr: 'UI', value: t.frameOfReferenceUid },
    { tag: tag(0x0020, 0x1040), vr: 'LO', value: '' },
    { tag: tag(0x0028, 0x0002), vr: 'US', value: [1] },
    { tag: tag(0x0028, 0x0004), vr: 'CS', value: 'MONOCHROME2' },
    { tag: tag(0x0028, 0x0010), vr: 'US', value: [t.geometry.dims[1]] },
    { tag: tag(0x0028, 0x0011), vr: 'US', value: [t.geometry.dims[0]] },
    // PixelSpacing is row spacing (between rows, y) \ column spacing (x), PS3.3 10.7.1.3.
    { tag: tag(0x0028, 0x0030), vr: 'DS', value: [formatDs(t.geometry.spacingMm[1]), formatDs(t.geometry.spacingMm[0])] },
    { tag: tag(0x0028, 0x0100), vr: 'US', value: [16] },
    { tag: tag(0x0028, 0x0101), vr: 'US', value: [o.bitsStored] },
    { tag: tag(0x0028, 0x0102), vr: 'US', value: [o.bitsStored - 1] },
    { tag: tag(0x0028, 0x0103), vr: 'US', value: [o.pixelEncoding === 'signed' ? 1 : 0] },
    { tag: tag(0x0028, 0x1050), vr: 'DS', value: '40' },
    { tag: tag(0x0028, 0x1051), vr: 'DS', value: '400' },
    { tag: tag(0x0028, 0x1052), vr: 'DS', value: formatDs(t.rescaleIntercept) },
    { tag: tag(0x0028, 0x1053), vr: 'DS', value: formatDs(t.rescaleSlope) },
    { tag: tag(0x0028, 0x1055), vr: 'LO', value: 'ABDOMEN' },
  ];
}

/** HU range the chosen encoding can store. */
function storableHuRange(o: ResolvedPhantomOptions): [number, number] {
  if (o.pixelEncoding === 'unsigned') return [-1024, -1024 + 2 ** o.bitsStored - 1];
  return [-(2 ** (o.bitsStored - 1)), 2 ** (o.bitsStored - 1) - 1];
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let offset = 0; offset < bytes.length; ) {
    offset += writeSync(fd, bytes, offset, bytes.length - offset, position + offset);
  }
}

export function sliceFileName(instanceNumber: number): string {
  return `IM${String(instanceNumber).padStart(4, '0')}.dcm`;
}

/**
 * Synthesise and write this job's slices of every exam; returns per-exam
 * statistics. Folders and label files must already exist (writePatient makes them).
 */
export function runSliceJob(job: SliceJob, prep: PreparedPatient = preparePatient(job.options, { integrateLiver: false })): ExamStats[] {
  const o = prep.options;
  const uidKey = JSON.stringify(o);
  const [loHu, hiHu] = storableHuRange(o);
  return prep.exams.map((exam) => {
    const g = exam.scene.geometry;
    const [nx, ny, nz] = g.dims;
    const perSlice = nx * ny;
    const seriesDir = join(job.patientDir, exam.truth.seriesDir);
    const common = seriesElements(prep, exam);
    const hu = new Int16Array(perSlice);
    const stored = new Uint16Array(perSlice);
    const storedBytes = new Uint8Array(stored.buffer);
    const labels = new Uint8Array(perSlice);
    const stats = emptyStats(exam.scene);
    const buffers = new SliceBuffers(perSlice);
    const labelsFd = job.writeLabels ? openSync(join(job.patientDir, labelsFileName(exam)), 'r+') : null;
    try {
      for (let k = job.first; k < nz; k += job.stride) {
        synthesizeSlice(exam.scene, k, hu, labels, stats, buffers);
        for (let v = 0; v < perSlice; v++) {
          const h = hu[v] < loHu ? loHu : hu[v] > hiHu ? hiHu : hu[v];
          // Unsigned: stored = HU + 1024 (intercept −1024). Signed: the two's-complement bits of HU.
          stored[v] = o.pixelEncoding === 'unsigned' ? h + 1024 : h & 0xffff;
        }
        // InstanceNumber 1 is the most superior slice, as a head-first scan numbers them.
        const instanceNumber = nz - k;
        const z = g.originMm[2] + k * g.spacingMm[2];
        const sopInstanceUid = phantomUid(uidKey, 'sop', exam.truth.index, k);
        const elements: DicomElement[] = [
          ...common,
          { tag: tag(0x0008, 0x0018), vr: 'UI', value: sopInstanceUid },
          { tag: tag(0x0020, 0x0013), vr: 'IS', value: formatIs(instanceNumber) },
          { tag: tag(0x0020, 0x0032), vr: 'DS', value: [formatDs(g.originMm[0]), formatDs(g.originMm[1]), formatDs(z)] },
          { tag: tag(0x0020, 0x1041), vr: 'DS', value: formatDs(z) },
        ];
        const chunks = encodeImageFile(CT_IMAGE_STORAGE, sopInstanceUid, elements, storedBytes);
        writeFileSync(join(seriesDir, sliceFileName(instanceNumber)), Buffer.concat(chunks));
        if (labelsFd !== null) writeAll(labelsFd, labels, k * perSlice);
      }
    } finally {
      if (labelsFd !== null) closeSync(labelsFd);
    }
    return stats;
  });
}

function labelsFileName(exam: PreparedExam): string {
  return `labels/${exam.truth.seriesDir}.u8`;
}

/**
 * The worker module to start. Under a TypeScript loader (tsx, vitest) the
 * worker gets tsx's ESM API to import the .ts shim, since a worker does not
 * inherit the parent's loader hooks; built .js runs directly.
 */
function workerEntry(): URL {
  const self = new URL(import.meta.url);
  if (self.pathname.endsWith('.js') || self.pathname.endsWith('.mjs')) return new URL('./writeSlices.worker.js', self);
  const require = createRequire(self);
  const tsxPackagePath = require.resolve('tsx/package.json');
  const exportsMap = JSON.parse(readFileSync(tsxPackagePath, 'utf8')).exports as Record<string, { import?: { default?: string } }>;
  const apiRelative = exportsMap['./esm/api']?.import?.default;
  if (!apiRelative) throw new Error('tsx does not export ./esm/api; run with workers: 1');
  const api = pathToFileURL(join(dirname(tsxPackagePath), apiRelative)).href;
  const target = new URL('./writeSlices.worker.ts', self).href;
  const code = `import { tsImport } from ${JSON.stringify(api)};\nawait tsImport(${JSON.stringify(target)}, ${JSON.stringify(target)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

function runWorker(job: SliceJob): Promise<ExamStats[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerEntry(), { workerData: job });
    let settled = false;
    worker.once('message', (stats: ExamStats[]) => {
      settled = true;
      resolve(stats);
    });
    worker.once('error', (error: unknown) => {
      settled = true;
      const message = error instanceof Error ? error.message : String(error);
      reject(new Error(`phantom worker for slices ${job.first} mod ${job.stride} failed: ${message}`));
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`phantom worker for slices ${job.first} mod ${job.stride} exited with code ${code} before finishing`));
    });
  });
}

/**
 * Write one patient: `<outDir>/<patientId>/t<i>_<date>/IM0001.dcm …`,
 * `<outDir>/<patientId>/truth.json` and, with `writeLabels`,
 * `<outDir>/<patientId>/labels/t<i>_<date>.u8`. Slices are synthesised and
 * written one at a time per thread, so memory stays at a few slices
 * whatever the series size.
 */
export async function writePatient(outDir: string, options: WriteOptions = {}): Promise<WrittenPatient> {
  if (endianness() !== 'LE') throw new Error('the phantom writer needs a little-endian machine');
  const prep = preparePatient(options);
  const o = prep.options;
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new PhantomOptionError('workers', `must be an integer from 1 to 64, got ${workers}`);
  }
  const writeLabels = options.writeLabels ?? false;
  const patientDir = join(outDir, o.patientId);
  const seriesDirs = prep.exams.map((exam) => join(patientDir, exam.truth.seriesDir));
  for (const dir of seriesDirs) mkdirSync(dir, { recursive: true });
  if (writeLabels) {
    mkdirSync(join(patientDir, 'labels'), { recursive: true });
    for (const exam of prep.exams) {
      exam.truth.labelsFile = labelsFileName(exam);
      const [nx, ny, nz] = exam.scene.geometry.dims;
      // Full size up front: writers fill it at slice offsets, in any order.
      const fd = openSync(join(patientDir, exam.truth.labelsFile), 'w');
      try {
        ftruncateSync(fd, nx * ny * nz);
      } finally {
        closeSync(fd);
      }
    }
  }

  const jobs: SliceJob[] = Array.from({ length: workers }, (_, first) => ({ options: o, patientDir, writeLabels, first, stride: workers }));
  const perJob = workers === 1 ? [runSliceJob(jobs[0], prep)] : await Promise.all(jobs.map(runWorker));

  const timepoints: TimepointTruth[] = prep.exams.map((exam, t) => {
    const stats = emptyStats(exam.scene);
    for (const jobStats of perJob) mergeStats(stats, jobStats[t]);
    return finishTimepoint(exam, stats);
  });
  const truth: PhantomTruth = { ...prep.truthBase, timepoints };
  const truthPath = join(patientDir, 'truth.json');
  writeFileSync(truthPath, `${JSON.stringify(truth, null, 2)}\n`);
  const fileCount = prep.exams.reduce((n, exam) => n + exam.scene.geometry.dims[2], 0);
  return { patientDir, truthPath, seriesDirs, truth, fileCount };
}

/** Options of patient `index` (0-based) of a cohort: its own seed and id. */
export function cohortPatientOptions<T extends PhantomOptions>(base: T, index: number): T {
  const seed = String(base.seed ?? 1);
  const prefix = base.patientId ?? `LGP-${seed}`;
  return { ...base, seed: `${seed}.${index + 1}`, patientId: `${prefix}-${String(index + 1).padStart(3, '0')}` };
}
