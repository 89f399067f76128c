/**
 * De-identification of files and of library exams (issue 14): DICOM in, DICOM out, under the
 * Basic Application Level Confidentiality Profile (PS3.15 Annex E) with the options the user
 * chose. The rules are the pure engine's (core/deid/deidentify); this side reads and writes the
 * files with dcmjs (pixel data and transfer syntax untouched), gives each patient its pseudonym,
 * date offset and UID replacement from the site's secret (deidStore), and, before anything
 * reaches the output folder, searches every byte of every output for every identifying value of
 * every patient and the original UIDs (phiScan). One hit refuses the whole export.
 *
 * Output: `<outDir>/<pseudonym>/<Study UID>/<Series UID>/<SOP Instance UID>.dcm`, written to a
 * staging folder `<outDir>/.partial-*` and moved into place at the end: whole or absent. The
 * report's patient list (original key → pseudonym) is for the local user and is never written.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import dcmjs from 'dcmjs';
import { ApiError, invalid, notFound } from '../../../core/api/errors';
import { DEID_OPTION_INFO, type DeidApi, type DeidExamInput, type DeidFileLeftOut, type DeidFileWritten, type DeidOptionInfo, type DeidPatient, type DeidReport } from '../../../core/api/domains/deid';
import type { SrExportResult } from '../../../core/api/domains/export';
import { deidentify } from '../../../core/deid/deidentify';
import { DEFAULT_DEID_OPTIONS, type DeidOptions, type DeidResult, type DicomDict, type PatientPseudonym } from '../../../core/deid/types';
import { listInstances, listPatients, listStudies, seriesIdsOfStudy, studyPatientId } from '../library/catalog';
import { libraryFile } from '../library/importer';
import type { Db } from '../registry/db';
import { patientPseudonym, pseudonymFor, siteSecret } from './deidStore';
import { dedupe, headerFacts, text, type HeaderFacts } from './identifying';
import { PhiMatcher, scanBytes, transferSyntaxOf, walkPart10, type PhiKind, type PhiValue } from './phiScan';

const { DicomMessage, DicomDict: DcmjsDict } = dcmjs.data as unknown as {
  DicomMessage: { readFile(buffer: ArrayBuffer): { meta: DicomDict; dict: DicomDict } };
  DicomDict: new (meta: DicomDict) => { dict: DicomDict; write(opts?: { allowInvalidVRLength?: boolean }): ArrayBuffer };
};

const DICOMDIR_CLASS = '1.2.840.10008.1.3.10';
/** Transfer syntaxes dcmjs cannot write back as they came: refused rather than silently converted. */
const UNSUPPORTED_TS: Record<string, string> = {
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian (retired)',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
};
/** Written by de-identification itself (Patient Identity Removed, De-identification Method and its codes): no source data. */
const OWN_ATTRIBUTES = new Set(['00120062', '00120063', '00120064']);
/** Float Pixel Data, Double Float Pixel Data, Pixel Data. */
const PIXEL_TAGS = ['7FE00008', '7FE00009', '7FE00010'];

export interface DeidServiceDeps {
  db: Db;
  homeDir: string;
  version: string;
  /** The export domain, for an exam's SEG and SR (`withResults`); the App itself will do. */
  exporter?: { exportSr(input: { studyRowId: number; outDir?: string }): Promise<SrExportResult> };
}

export interface DeidFilesInput {
  paths: string[];
  outDir: string;
  options?: Partial<DeidOptions>;
  onProgress?: (done: number, total: number) => void;
}

export interface DeidExamServiceInput extends DeidExamInput {
  studyRowId?: number;
  patientRowId?: number;
  onProgress?: (done: number, total: number) => void;
}

/** One identifying value left in an output: the file, the attribute, the kind; the value for the local user only. */
export interface DeidFinding {
  source: string;
  output: string;
  kind: PhiKind;
  attribute: string | null;
  value: string;
}

/** The export was refused: identifying data would have remained. Nothing was written. */
export class DeidRefusedError extends ApiError {
  constructor(
    readonly findings: DeidFinding[],
    readonly outDir: string,
  ) {
    const files = new Set(findings.map((f) => f.source)).size;
    // One line per file, kind and attribute: never the value (messages end up in logs).
    const all = [...new Set(findings.map((f) => `  ${f.source} (→ ${f.output}): ${f.kind} in ${f.attribute ?? 'an attribute that could not be named'}`))];
    const lines = all.slice(0, 8);
    super(
      'conflict',
      [`de-identification refused: identifying data would remain in ${files} file(s); nothing was written to ${outDir}`, ...lines, ...(all.length > lines.length ? [`  … and ${all.length - lines.length} more`] : [])].join('\n'),
    );
  }
}

/** Options with the defaults filled in; an unknown option or a value that is not true/false is refused. */
export function resolveOptions(partial: Partial<DeidOptions> | undefined): DeidOptions {
  const out: DeidOptions = { ...DEFAULT_DEID_OPTIONS };
  for (const [key, value] of Object.entries(partial ?? {})) {
    if (!(key in DEFAULT_DEID_OPTIONS)) throw invalid(`unknown de-identification option "${key}" (known: ${Object.keys(DEFAULT_DEID_OPTIONS).join(', ')})`);
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw invalid(`de-identification option ${key} must be true or false`);
    out[key as keyof DeidOptions] = value;
  }
  return out;
}

const emptyCounts = (): DeidResult['counts'] => ({ D: 0, Z: 0, X: 0, K: 0, C: 0, U: 0, private: 0 });

function arrayBufferOf(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Files under the given paths (folders recursively, in name order), without anything under `exclude`. */
async function collectFiles(paths: readonly string[], exclude: readonly string[]): Promise<{ files: string[]; skipped: DeidFileLeftOut[] }> {
  const files: string[] = [];
  const skipped: DeidFileLeftOut[] = [];
  const seen = new Set<string>();
  const excluded = (p: string) => exclude.some((x) => p === x || p.startsWith(x + sep));
  const visit = async (p: string): Promise<void> => {
    if (excluded(p)) return;
    let s;
    try {
      s = await stat(p);
    } catch {
      skipped.push({ source: p, reason: 'does not exist or cannot be read' });
      return;
    }
    if (s.isDirectory()) {
      // A folder once, however many links lead to it (a link to a parent would never end).
      const real = realpathSync(p);
      if (seen.has(real)) return;
      seen.add(real);
      const names = (await readdir(p)).sort();
      for (const name of names) await visit(join(p, name));
    } else if (s.isFile()) {
      const real = realpathSync(p);
      if (seen.has(real)) return;
      seen.add(real);
      files.push(p);
    } else skipped.push({ source: p, reason: 'not a regular file' });
  };
  for (const p of paths) await visit(resolve(p));
  return { files, skipped };
}

interface Candidate {
  source: string;
  /** How the report names it (a library file's path, "SEG of study 3", …). */
  label: string;
  facts: HeaderFacts;
  /** The parsed header, kept from the first reading while the cache has room (else read again). */
  parsed: Parsed | null;
}

interface Parsed {
  meta: DicomDict;
  dict: DicomDict;
  /** Where the top-level pixel data elements lie in the file (null: the file could not be walked, and dcmjs read all of it). */
  pixelElements: [number, number][] | null;
  headerBytes: number;
}

/**
 * A file's meta and dataset up to its pixel data: only the header's bytes are handed to dcmjs, and
 * where the pixel data elements lie is kept, so that they can be copied to the output byte for
 * byte (fragments, offset table and all). Elements after the pixel data (Data Set Trailing
 * Padding, Digital Signatures) are not read, and so are dropped.
 */
function parseFile(bytes: Buffer): Parsed {
  const walked = walkPart10(bytes);
  const headerBytes = walked?.pixelElements.length ? walked.pixelElements[0][0] : bytes.length;
  const { meta, dict } = DicomMessage.readFile(arrayBufferOf(walked ? bytes.subarray(0, headerBytes) : bytes));
  return { meta, dict, pixelElements: walked?.pixelElements ?? null, headerBytes };
}

/** Parsed headers kept between the two passes, in bytes of header (SEG and SR headers can be large). */
const HEADER_CACHE_BYTES = 128 * 2 ** 20;

interface PatientGroup {
  key: string;
  patientId: string;
  patientName: string;
  values: PhiValue[];
  pseudonym: PatientPseudonym;
  written: number;
}

/** Moves everything under `src` into `dest`, folder by folder (a folder already there is merged). */
async function moveInto(src: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  for (const entry of await readdir(src, { withFileTypes: true })) {
    const s = join(src, entry.name);
    const d = join(dest, entry.name);
    if (entry.isDirectory() && existsSync(d)) await moveInto(s, d);
    else await rename(s, d);
  }
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

export class DeidService implements DeidApi {
  constructor(private readonly deps: DeidServiceDeps) {}

  async deidOptions(): Promise<DeidOptionInfo[]> {
    return DEID_OPTION_INFO.map((o) => ({ ...o }));
  }

  async deidentifyStudy(input: DeidExamInput & { studyRowId: number }): Promise<DeidReport> {
    if (!Number.isInteger(Number(input?.studyRowId))) throw invalid('deidentifyStudy needs { studyRowId }');
    return this.deidentifyExam({ ...input, studyRowId: Number(input.studyRowId) });
  }

  async deidentifyPatient(input: DeidExamInput & { patientRowId: number }): Promise<DeidReport> {
    if (!Number.isInteger(Number(input?.patientRowId))) throw invalid('deidentifyPatient needs { patientRowId }');
    return this.deidentifyExam({ ...input, patientRowId: Number(input.patientRowId) });
  }

  /** Files and folders on this machine (the CLI's `longitude deid <paths…> --out <dir>`). */
  async deidentifyFiles(input: DeidFilesInput): Promise<DeidReport> {
    if (!input?.outDir) throw invalid('deidentifyFiles needs { outDir }');
    if (!Array.isArray(input.paths) || input.paths.length === 0) throw invalid('deidentifyFiles needs at least one path');
    const options = resolveOptions(input.options);
    const outDir = resolve(input.outDir);
    const { files, skipped } = await collectFiles(input.paths, [outDir]);
    return this.run(
      files.map((f) => ({ path: f, label: f })),
      skipped,
      () => outDir,
      options,
      input.onProgress,
    );
  }

  /**
   * A library exam (`studyRowId`) or every exam of a patient (`patientRowId`), with the exam's SEG
   * and SR exported now and de-identified together when `withResults` (their references to the CT
   * map through the same UID replacement, so they still point at its new UIDs).
   */
  async deidentifyExam(input: DeidExamServiceInput): Promise<DeidReport> {
    const options = resolveOptions(input.options);
    const db = this.deps.db;
    let studyRowIds: number[];
    if (input.studyRowId !== undefined && input.patientRowId === undefined) {
      if (studyPatientId(db, input.studyRowId) === null) throw notFound(`study ${input.studyRowId} is not in the library`);
      studyRowIds = [input.studyRowId];
    } else if (input.patientRowId !== undefined && input.studyRowId === undefined) {
      if (!listPatients(db).some((p) => p.id === input.patientRowId)) throw notFound(`patient ${input.patientRowId} is not in the library`);
      studyRowIds = listStudies(db, input.patientRowId).map((s) => s.id);
      if (studyRowIds.length === 0) throw notFound(`patient ${input.patientRowId} has no study in the library`);
    } else throw invalid('de-identify an exam needs a studyRowId or a patientRowId (one of them)');

    const sources: { path: string; label: string }[] = [];
    for (const studyRowId of studyRowIds)
      for (const seriesId of seriesIdsOfStudy(db, studyRowId))
        for (const inst of listInstances(db, seriesId)) sources.push({ path: libraryFile(this.deps.homeDir, inst.path), label: inst.path });

    const skipped: DeidFileLeftOut[] = [];
    let resultsDir: string | null = null;
    try {
      if (input.withResults) {
        if (!this.deps.exporter) throw invalid('exporting the exam’s SEG and SR needs the export service');
        await mkdir(join(this.deps.homeDir, 'exports'), { recursive: true });
        resultsDir = await mkdtemp(join(this.deps.homeDir, 'exports', '.deid-results-'));
        for (const studyRowId of studyRowIds) {
          try {
            const sr = await this.deps.exporter.exportSr({ studyRowId, outDir: resultsDir });
            if (sr.seg) sources.push({ path: sr.seg.file, label: `SEG of study ${studyRowId} (exported now)` });
            sources.push({ path: sr.file, label: `SR of study ${studyRowId} (exported now)` });
          } catch (e) {
            skipped.push({ source: `SEG/SR of study ${studyRowId}`, reason: `not exported: ${(e as Error).message}` });
          }
        }
      }
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      return await this.run(
        sources,
        skipped,
        (pseudonyms) => resolve(input.outDir ?? join(this.deps.homeDir, 'exports', `deid-${pseudonyms[0] ?? 'none'}-${stamp}`)),
        options,
        input.onProgress,
      );
    } finally {
      if (resultsDir) await rm(resultsDir, { recursive: true, force: true });
    }
  }

  /** Reads the headers, gives each patient its pseudonym, de-identifies, checks, writes. */
  private async run(
    sources: { path: string; label: string }[],
    skipped: DeidFileLeftOut[],
    chooseOutDir: (pseudonyms: string[]) => string,
    options: DeidOptions,
    onProgress?: (done: number, total: number) => void,
  ): Promise<DeidReport> {
    const started = performance.now();
    const db = this.deps.db;

    // 1. Headers: what to skip, who the patients are, what identifies them.
    const candidates: Candidate[] = [];
    let cached = 0;
    for (const [i, { path, label }] of sources.entries()) {
      if (i % 32 === 31) await yieldToLoop();
      let r: ReturnType<typeof readHeader>;
      try {
        r = readHeader(path);
      } catch (e) {
        r = `not readable as DICOM: ${(e as Error).message}`;
      }
      if (typeof r === 'string') {
        skipped.push({ source: label, reason: r });
        continue;
      }
      const keep = cached + r.parsed.headerBytes <= HEADER_CACHE_BYTES;
      if (keep) cached += r.parsed.headerBytes;
      candidates.push({ source: path, label, facts: r.facts, parsed: keep ? r.parsed : null });
    }

    const secret = siteSecret(db);
    const uidCache = new Map<string, string>();
    const groups = new Map<string, PatientGroup>();
    for (const c of candidates) {
      let g = groups.get(c.facts.patientKey);
      if (!g) {
        const row = pseudonymFor(db, c.facts.patientKey);
        g = { key: c.facts.patientKey, patientId: c.facts.patientId, patientName: c.facts.patientName, values: [], pseudonym: patientPseudonym(secret, row, uidCache), written: 0 };
        groups.set(c.facts.patientKey, g);
      }
      g.values.push(...c.facts.values);
    }
    for (const g of groups.values()) g.values = dedupe(g.values);

    // 2. The check's values: every patient's identifying values, every original UID.
    const matcher = new PhiMatcher([...[...groups.values()].flatMap((g) => g.values), ...candidates.flatMap((c) => c.facts.originalUids.map((value) => ({ kind: 'original UID' as const, value })))]);
    const own = { values: new Set([...groups.values()].flatMap((g) => [g.pseudonym.pseudonymId, g.pseudonym.pseudonymName])), attributes: OWN_ATTRIBUTES };

    const outDir = chooseOutDir([...groups.values()].map((g) => g.pseudonym.pseudonymId));
    const createdOutDir = !existsSync(outDir);
    await mkdir(outDir, { recursive: true });
    const staging = await mkdtemp(join(outDir, '.partial-'));

    const files: DeidFileWritten[] = [];
    const excluded: DeidFileLeftOut[] = [];
    const findings: DeidFinding[] = [];
    const counts = emptyCounts();
    const written = new Map<string, string>();
    let bytesChecked = 0;
    let moved = false;
    const made = new Set<string>();
    const software = `Longitude ${this.deps.version}`;
    try {
      // 3. Each file: de-identify, write, search its bytes.
      for (const [i, c] of candidates.entries()) {
        onProgress?.(i, candidates.length);
        await yieldToLoop();
        const g = groups.get(c.facts.patientKey)!;
        let done: ReturnType<typeof deidentifyOne>;
        try {
          done = deidentifyOne(c, g, options, software);
        } catch (e) {
          // A file dcmjs or the engine cannot take is left out, and said so; the others go on.
          skipped.push({ source: c.label, reason: `could not be de-identified: ${(e as Error).message}` });
          continue;
        }
        if ('excluded' in done) {
          excluded.push({ source: c.label, reason: done.excluded });
          continue;
        }
        const { rel, sop, outBytes, result } = done;
        const earlier = written.get(rel);
        if (earlier) {
          skipped.push({ source: c.label, reason: `the same instance (SOP Instance UID) as ${earlier}` });
          continue;
        }
        bytesChecked += outBytes.length;
        const found = scanBytes(outBytes, matcher, own);
        if (found.length) {
          for (const f of found) findings.push({ source: c.label, output: rel, kind: f.kind, attribute: f.attribute, value: f.value });
          continue;
        }
        const target = join(staging, rel);
        if (!made.has(dirname(target))) {
          mkdirSync(dirname(target), { recursive: true });
          made.add(dirname(target));
        }
        // Synchronous, one file at a time (the loop yields between files): cheaper than the thread pool's round trips.
        writeFileSync(target, outBytes);
        written.set(rel, c.label);
        for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += result.counts[k] ?? 0;
        g.written++;
        files.push({ source: c.label, file: join(outDir, rel), pseudonymId: g.pseudonym.pseudonymId, sopInstanceUid: sop, modality: text(result.dataset, '00080060') });
      }
      onProgress?.(candidates.length, candidates.length);

      if (findings.length) throw new DeidRefusedError(findings, outDir);
      // 4. Into place: the staging folder's patients move into the output folder.
      if (files.length) {
        await moveInto(staging, outDir);
        moved = true;
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
      // Refused, failed or nothing to write: a folder made for this export goes again (only if empty).
      if (createdOutDir && !moved) await rmdir(outDir).catch(() => undefined);
    }
    const patients: DeidPatient[] = [...groups.values()].map((g) => ({
      originalKey: g.key,
      patientId: g.patientId,
      patientName: g.patientName,
      pseudonymId: g.pseudonym.pseudonymId,
      dateOffsetDays: g.pseudonym.dateOffsetDays,
      files: g.written,
    }));
    return {
      outDir,
      files,
      excluded,
      skipped,
      patients,
      counts,
      options,
      check: { files: files.length, values: matcher.values.length, bytes: bytesChecked },
      durationMs: Math.round(performance.now() - started),
    };
  }
}

/**
 * One file: its header de-identified by the engine and written with dcmjs in the file's own
 * transfer syntax, then its pixel data elements copied after it as they were.
 */
function deidentifyOne(
  c: Candidate,
  g: PatientGroup,
  options: DeidOptions,
  software: string,
): { excluded: string } | { rel: string; sop: string; outBytes: Uint8Array; result: DeidResult } {
  // Synchronous reads of one file at a time (the loop yields between files): the thread pool's
  // round trips would cost more than the copies themselves.
  const bytes = readFileSync(c.source);
  const { meta, dict, pixelElements } = c.parsed ?? parseFile(bytes);
  c.parsed = null;
  if (c.facts.derived.study) dict['0020000D'] = { vr: 'UI', Value: [c.facts.derived.study] };
  if (c.facts.derived.series) dict['0020000E'] = { vr: 'UI', Value: [c.facts.derived.series] };
  if (c.facts.derived.sop) {
    dict['00080018'] = { vr: 'UI', Value: [c.facts.derived.sop] };
    meta['00020003'] = { vr: 'UI', Value: [c.facts.derived.sop] };
  }
  const result = deidentify({ dataset: dict, meta, options, pseudonym: g.pseudonym, identifyingValues: g.values.map((v) => v.value), software });
  if (result.excluded) return { excluded: result.excluded };
  const study = text(result.dataset, '0020000D');
  const series = text(result.dataset, '0020000E');
  const sop = text(result.dataset, '00080018');
  if (!study || !series || !sop) return { excluded: 'de-identification left it without a Study, Series or SOP Instance UID' };
  const outMeta: DicomDict = { ...(result.meta ?? meta) };
  // The transfer syntax stays the file's own: the pixel data is copied as it came.
  outMeta['00020010'] = { vr: 'UI', Value: [c.facts.transferSyntaxUid] };
  const out = new DcmjsDict(outMeta);
  out.dict = { ...result.dataset };
  if (pixelElements) for (const tag of PIXEL_TAGS) delete out.dict[tag];
  const header = new Uint8Array(out.write({ allowInvalidVRLength: true }));
  const outBytes = pixelElements?.length ? Buffer.concat([header, ...pixelElements.map(([from, to]) => bytes.subarray(from, to))]) : header;
  return { rel: join(g.pseudonym.pseudonymId, study, series, `${sop}.dcm`), sop, outBytes, result };
}

/** The header of a candidate file, or why it is not one. */
function readHeader(path: string): { facts: HeaderFacts; parsed: Parsed } | string {
  if (basename(path).toUpperCase() === 'DICOMDIR') return 'a DICOMDIR (a media index): the files it lists are read from their folders';
  const bytes = readFileSync(path);
  if (bytes.length < 132 || bytes.toString('latin1', 128, 132) !== 'DICM') return 'not a DICOM Part 10 file (no DICM prefix)';
  const unsupported = UNSUPPORTED_TS[transferSyntaxOf(bytes) ?? ''];
  if (unsupported) return `transfer syntax ${unsupported} is not supported for de-identification`;
  const parsed = parseFile(bytes);
  const facts = headerFacts(parsed.meta, parsed.dict, bytes);
  if (facts.mediaStorageSopClassUid === DICOMDIR_CLASS) return 'a DICOMDIR (a media index): the files it lists are read from their folders';
  return { facts, parsed };
}
