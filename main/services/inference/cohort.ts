/**
 * Validation cohorts: cases of a CT series with a reference segmentation (a NIfTI label
 * map or a DICOM SEG), read straight from a folder without importing them.
 *
 * A cohort is a folder with either
 *  - `cohort.json`: { "cases": [ { "id", "patientId"?, "images": "<folder of the series>",
 *    "reference": "<.nii, .nii.gz or SEG .dcm>" } ], "labelMap"?: { "<reference value>": <model label value> } }
 *    (paths relative to the cohort folder or absolute), or
 *  - one sub-folder per case holding the series' DICOM files and one reference file.
 * NIfTI values are taken as model label values (through `labelMap` when given); SEG
 * segments get the value of the model label with the same name (case-insensitive),
 * else their segment number.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { VolumeGeometry } from '../../../core/api/types';
import { stackSlices } from '../../../core/dicom/geometry';
import { resampleNearest } from '../../../core/inference';
import type { ModelManifest } from '../../../core/models/manifest';
import { reorientToGrid } from '../../../core/nifti';
import { decodeFile } from '../dicom/decode/index';
import { readDicomHeader, type DicomHeader } from '../dicom/header';
import { parseSeg, segMasksOnGrid, SEGMENTATION_STORAGE } from '../dicom/seg/index';
import { readNiftiFile } from '../nifti/niftiFile';
import { ApiError } from '../../../core/api/errors';

export class CohortError extends ApiError {
  constructor(message: string) {
    super('invalid', message);
  }
}

export interface CohortCase {
  id: string;
  /** From cohort.json, else the series' PatientID, else the case id. */
  patientId: string | null;
  imagesDir: string;
  referenceFile: string;
}

export interface LoadedCase {
  id: string;
  patientId: string;
  geometry: VolumeGeometry;
  voxels: Int16Array;
  /** Reference label per voxel on the series grid (model label values). */
  reference: Uint8Array;
  warnings: string[];
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

const isNifti = (f: string): boolean => /\.nii(\.gz)?$/i.test(f);

function tryHeader(file: string): DicomHeader | null {
  try {
    return readDicomHeader(new Uint8Array(readFileSync(file)), file);
  } catch {
    return null;
  }
}

/** The cases of a cohort folder. */
export function readCohort(dir: string): { cases: CohortCase[]; labelMap: Map<number, number> | null } {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new CohortError(`cohort ${root} is not a folder`);
  const manifestFile = join(root, 'cohort.json');
  const abs = (p: string): string => (isAbsolute(p) ? p : join(root, p));
  if (existsSync(manifestFile)) {
    let json: { cases?: { id?: string; patientId?: string; images?: string; reference?: string }[]; labelMap?: Record<string, number> };
    try {
      json = JSON.parse(readFileSync(manifestFile, 'utf8'));
    } catch (e) {
      throw new CohortError(`${manifestFile} is not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(json.cases) || json.cases.length === 0) throw new CohortError(`${manifestFile} needs "cases": [{ "id", "images", "reference" }, …]`);
    const cases = json.cases.map((c, i) => {
      if (!c.id || !c.images || !c.reference) throw new CohortError(`${manifestFile}: case ${i + 1} needs "id", "images" and "reference"`);
      const imagesDir = abs(c.images);
      const referenceFile = abs(c.reference);
      if (!existsSync(imagesDir)) throw new CohortError(`case "${c.id}": images folder ${imagesDir} does not exist`);
      if (!existsSync(referenceFile)) throw new CohortError(`case "${c.id}": reference ${referenceFile} does not exist`);
      return { id: c.id, patientId: c.patientId ?? null, imagesDir, referenceFile };
    });
    const labelMap = json.labelMap ? new Map(Object.entries(json.labelMap).map(([k, v]) => [Number(k), v])) : null;
    return { cases, labelMap };
  }
  const cases: CohortCase[] = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const caseDir = join(root, e.name);
    const files = filesUnder(caseDir);
    const refs = files.filter(isNifti);
    const segs = files.filter((f) => !isNifti(f) && tryHeader(f)?.sopClassUid === SEGMENTATION_STORAGE);
    const all = [...refs, ...segs];
    if (all.length !== 1) {
      throw new CohortError(`case folder ${caseDir} needs exactly one reference (.nii, .nii.gz or DICOM SEG); it has ${all.length ? all.map((f) => basename(f)).join(', ') : 'none'}`);
    }
    cases.push({ id: e.name, patientId: null, imagesDir: caseDir, referenceFile: all[0] });
  }
  if (cases.length === 0) throw new CohortError(`cohort ${root} has no cohort.json and no case folders`);
  return { cases: cases.sort((a, b) => a.id.localeCompare(b.id)), labelMap: null };
}

/** The PatientID of a case's images, from the first image header (no pixel data read). */
export function casePatientId(c: CohortCase): string | null {
  for (const file of filesUnder(c.imagesDir)) {
    if (file === c.referenceFile || isNifti(file)) continue;
    const h = tryHeader(file);
    if (h && h.sopClassUid !== SEGMENTATION_STORAGE && h.hasPixelData) return h.patientId || null;
  }
  return null;
}

/** The CT series of a case folder (SEG and non-DICOM files ignored), decoded to HU. */
export async function loadCaseSeries(c: CohortCase): Promise<{ geometry: VolumeGeometry; voxels: Int16Array; patientId: string; frameOfReferenceUid: string; seriesInstanceUid: string; warnings: string[] }> {
  const images: { file: string; h: DicomHeader }[] = [];
  for (const file of filesUnder(c.imagesDir)) {
    if (file === c.referenceFile || isNifti(file)) continue;
    const h = tryHeader(file);
    if (!h || h.sopClassUid === SEGMENTATION_STORAGE || !h.hasPixelData || h.frames.length === 0) continue;
    images.push({ file, h });
  }
  if (images.length === 0) throw new CohortError(`case "${c.id}": no image files in ${c.imagesDir}`);
  const seriesUids = [...new Set(images.map((i) => i.h.seriesInstanceUid))];
  if (seriesUids.length > 1) throw new CohortError(`case "${c.id}": ${c.imagesDir} holds ${seriesUids.length} series; give one series per case`);
  if (images.some((i) => i.h.numberOfFrames > 1)) throw new CohortError(`case "${c.id}": multi-frame images are not supported in cohorts yet; import the case instead`);
  const stack = stackSlices(images, (i) => i.h.frames[0]);
  const [nx, ny] = stack.geometry.dims;
  const voxels = new Int16Array(nx * ny * stack.ordered.length);
  for (let k = 0; k < stack.ordered.length; k++) {
    const { file } = stack.ordered[k];
    const decoded = await decodeFile(new Uint8Array(readFileSync(file)), { fileLabel: file });
    voxels.set(decoded.frames[0], k * nx * ny);
  }
  const h = images[0].h;
  return {
    geometry: stack.geometry,
    voxels,
    patientId: h.patientId,
    frameOfReferenceUid: h.frameOfReferenceUid,
    seriesInstanceUid: h.seriesInstanceUid,
    warnings: [...stack.warnings, ...stack.excluded.map((e) => `${e.item.file}: ${e.reason}`)],
  };
}

/** The reference of a case as model label values on the series grid. */
export async function loadReference(
  c: CohortCase,
  series: { geometry: VolumeGeometry; frameOfReferenceUid: string; seriesInstanceUid: string },
  manifest: ModelManifest,
  labelMap: Map<number, number> | null,
): Promise<{ labels: Uint8Array; warnings: string[] }> {
  const g = series.geometry;
  const n = g.dims[0] * g.dims[1] * g.dims[2];
  const warnings: string[] = [];
  if (isNifti(c.referenceFile)) {
    const nii = await readNiftiFile(c.referenceFile, { applyScaling: false });
    let values: ArrayLike<number>;
    try {
      values = reorientToGrid(nii.data, nii.geometry, g, 0.05);
    } catch (e) {
      warnings.push(`the reference grid is not the series grid (${(e as Error).message}); it was resampled (nearest neighbour)`);
      const u8 = Uint8Array.from(nii.data as ArrayLike<number>, (v) => Math.max(0, Math.min(255, Math.round(v))));
      values = resampleNearest(u8, nii.geometry, g);
    }
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = Math.round(values[i]);
      out[i] = labelMap ? (labelMap.get(v) ?? 0) : Math.max(0, Math.min(255, v));
    }
    return { labels: out, warnings };
  }
  const doc = parseSeg(readFileSync(c.referenceFile), c.referenceFile);
  const placed = segMasksOnGrid(doc, { geometry: g, frameOfReferenceUid: series.frameOfReferenceUid || undefined, seriesInstanceUid: series.seriesInstanceUid });
  warnings.push(...placed.warnings);
  const out = new Uint8Array(n);
  for (const s of placed.segments) {
    const byName = manifest.labels.find((l) => l.name.toLowerCase() === s.segment.label.toLowerCase());
    const value = labelMap?.get(s.segment.segmentNumber) ?? byName?.value ?? s.segment.segmentNumber;
    for (let i = 0; i < n; i++) if (s.mask[i]) out[i] = value;
  }
  return { labels: out, warnings };
}
