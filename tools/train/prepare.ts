/**
 * Training data for the liver + lesion segmentation model (see README.md here).
 *
 * Each patient is a synthetic phantom CT (tools/phantom) pushed through the first steps
 * of the app's inference pipeline (core/inference/pipeline.ts: `bodyBox` on the series
 * grid, `subGeometry` + `geometryAtSpacing`, trilinear `resampleToGrid`), so the network
 * sees at training time exactly the grid and interpolation it sees in the app. Labels are
 * mapped to the model's classes (0 background, 1 liver, 2 metastasis, 3 cyst) and
 * resampled nearest-neighbour onto the same grid.
 *
 *   node --import tsx tools/train/prepare.ts --out /tmp/liver-train [--patients 60]
 *
 * writes `<out>/<id>.f32` (HU, float32), `<out>/<id>.u8` (classes), `<out>/<id>.lesions.u8`
 * (0, or 1 + the index of the lesion in cases.json) and `<out>/cases.json`, and the
 * patient-level split to resources/models/longitude-liver-lesions/split.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Vec3, VolumeGeometry } from '../../core/api/types';
import { lpsToIndex } from '../../core/dicom/geometry';
import { bodyBox, subGeometry } from '../../core/inference/pipeline';
import { geometryAtSpacing, resampleNearest, resampleToGrid } from '../../core/inference/resample';
import { mulberry32 } from '../../core/metrics/prng';
import {
  type GeneratedPatient,
  type LesionType,
  type PhantomOptions,
  LIVER_LABEL,
  cohortPatientOptions,
  generatePatient,
  resolveOptions,
} from '../phantom';

export const MODEL_ID = 'longitude-liver-lesions';
/** The model runs at 2 mm isotropic: a 10 mm lesion is still 5 voxels across. */
export const MODEL_SPACING_MM: Vec3 = [2, 2, 2];
/** Output channels / class values of the model. */
export const CLASSES = { background: 0, liver: 1, metastasis: 2, cyst: 3 } as const;
export const CLASS_NAMES = ['background', 'liver', 'metastasis', 'cyst'] as const;
const LESION_CLASS: Record<LesionType, number> = { metastasis: CLASSES.metastasis, cyst: CLASSES.cyst };
/** The app's body mask: voxels above this are the patient (air and lung are below). */
export const BODY_THRESHOLD_HU = -500;
/** The app pipeline's default margin around the body box. */
export const BODY_MARGIN_MM = 10;

/** What every patient of the cohort shares. Patient i gets seed `<seed>.<i+1>` (the phantom's cohort scheme). */
export const COHORT_BASE: PhantomOptions = {
  seed: 'liver-lesions-v1',
  patientId: 'LLL',
  timepoints: 1,
  extraLesions: 3,
};

// Scanner variety, so the model does not learn one reconstruction: in-plane matrix (FOV 380 mm:
// 0.742, 0.990, 1.484 mm pixels) cycles with period 3, slice interval/count with period 4.
// Every range covers 240–320 mm in z, centred on mid-liver, so the whole liver is scanned.
const SIZES = [512, 384, 256];
const Z_SAMPLINGS: { sliceMm: number; slices: number }[] = [
  { sliceMm: 2, slices: 120 },
  { sliceMm: 2, slices: 160 },
  { sliceMm: 1.25, slices: 192 },
  { sliceMm: 2.5, slices: 96 },
];

/** Generator options of cohort patient `index` (0-based); pass them to `generatePatient` or `writePatient`. */
export function patientOptions(index: number, base: PhantomOptions = COHORT_BASE): PhantomOptions {
  const variant = { size: SIZES[index % SIZES.length], ...Z_SAMPLINGS[index % Z_SAMPLINGS.length] };
  return cohortPatientOptions({ ...base, ...variant }, index);
}

// ------------------------------------------------------------------ split

/** 32-bit FNV-1a of a text seed. */
function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}


export interface PatientSplit {
  train: number[];
  validation: number[];
  test: number[];
}

/**
 * Patient-level split of indices 0…n−1: a Fisher–Yates shuffle seeded by `seed`, then
 * round(10 %) for test, round(10 %) for validation, the rest for training; each list sorted.
 */
export function splitPatients(n: number, seed: string, fractions = { validation: 0.1, test: 0.1 }): PatientSplit {
  if (!Number.isInteger(n) || n < 3) throw new Error(`a split needs at least 3 patients, got ${n}`);
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(hashSeed(seed));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nTest = Math.max(1, Math.round(n * fractions.test));
  const nVal = Math.max(1, Math.round(n * fractions.validation));
  const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
  return {
    test: sorted(order.slice(0, nTest)),
    validation: sorted(order.slice(nTest, nTest + nVal)),
    train: sorted(order.slice(nTest + nVal)),
  };
}

// ------------------------------------------------------------------ labels

/**
 * Phantom label map → model classes: 0 stays background, the liver label is liver
 * parenchyma, each lesion's `labelValue` becomes metastasis or cyst by its type.
 * A label value the truth does not explain is an error, never silently background.
 */
export function mapLabelsToClasses(labels: Uint8Array, lesions: { labelValue: number; type: LesionType }[]): Uint8Array {
  const lut = new Int16Array(256).fill(-1);
  lut[0] = CLASSES.background;
  lut[LIVER_LABEL] = CLASSES.liver;
  for (const l of lesions) lut[l.labelValue] = LESION_CLASS[l.type];
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const c = lut[labels[i]];
    if (c < 0) throw new Error(`label value ${labels[i]} at voxel ${i} is neither background, liver nor a lesion of this exam`);
    out[i] = c;
  }
  return out;
}

// ------------------------------------------------------------------ one case

export interface CaseLesion {
  id: string;
  type: LesionType;
  classValue: number;
  labelValue: number;
  longestDiameterMm: number;
  centreMm: Vec3;
  /** Centre as a (continuous) voxel index [x, y, z] of the model grid. */
  centreVoxel: Vec3;
  /** Voxels of the lesion on the model grid (nearest-neighbour labels). */
  modelVoxelCount: number;
}

export interface PreparedCase {
  /** Inclusive series voxel box of the body crop. */
  seriesBox: { min: Vec3; max: Vec3 };
  /** Model grid of the crop (the grid the network sees in the app). */
  modelGeometry: VolumeGeometry;
  /** = modelGeometry.dims, [x, y, z]. */
  dims: Vec3;
  /** HU after linear resampling, x fastest. */
  image: Float32Array;
  /** Model classes, same layout. */
  classes: Uint8Array;
  /** 0, or 1 + index into `lesions`, same layout. */
  lesionMap: Uint8Array;
  lesions: CaseLesion[];
}

/**
 * Exam `timepoint` of a generated patient on the model grid, exactly as the app's pipeline
 * (core/inference/pipeline.ts `runSegmentation`, steps 1–2) builds it: the body box on the
 * series grid (voxels > −500 HU, grown by 10 mm), its sub-geometry resampled to the model
 * spacing (trilinear HU); labels mapped to classes and resampled nearest onto the same grid.
 */
export function prepareCase(
  patient: GeneratedPatient,
  { timepoint = 0, spacingMm = MODEL_SPACING_MM, bodyMarginMm = BODY_MARGIN_MM } = {},
): PreparedCase {
  const tp = patient.timepoints[timepoint];
  const truthLesions = patient.truth.timepoints[timepoint].lesions;
  const seriesBox = bodyBox(tp.volume, tp.geometry, BODY_THRESHOLD_HU, bodyMarginMm);
  if (!seriesBox) throw new Error(`patient ${patient.truth.patient.patientId}: no voxel above ${BODY_THRESHOLD_HU} HU`);
  const geometry = geometryAtSpacing(subGeometry(tp.geometry, seriesBox), spacingMm);
  const image = resampleToGrid(tp.volume, tp.geometry, geometry, 'linear');
  const classes = resampleNearest(mapLabelsToClasses(tp.labels, truthLesions), tp.geometry, geometry);
  const instanceLut = new Uint8Array(256);
  truthLesions.forEach((l, i) => (instanceLut[l.labelValue] = i + 1));
  const lesionMap = resampleNearest(tp.labels.map((v) => instanceLut[v]), tp.geometry, geometry);

  const counts = new Array<number>(truthLesions.length + 1).fill(0);
  for (let i = 0; i < lesionMap.length; i++) counts[lesionMap[i]]++;
  const lesions = truthLesions.map((l, i): CaseLesion => {
    const ijk = lpsToIndex(geometry, l.centreMm as Vec3);
    return {
      id: l.id,
      type: l.type,
      classValue: LESION_CLASS[l.type],
      labelValue: l.labelValue,
      longestDiameterMm: l.longestDiameterMm,
      centreMm: l.centreMm as Vec3,
      centreVoxel: ijk.map((v) => Math.round(v * 100) / 100) as Vec3,
      modelVoxelCount: counts[i + 1],
    };
  });
  return { seriesBox, modelGeometry: geometry, dims: geometry.dims, image, classes, lesionMap, lesions };
}

// ------------------------------------------------------------------ cohort

export interface SplitEntry {
  index: number;
  patientId: string;
  seed: string;
  /** Exactly what to pass to `generatePatient` / `writePatient` to get this patient again. */
  options: PhantomOptions;
}

export type SplitName = keyof PatientSplit;

export function splitManifest(patients: number, splitSeed: string) {
  const split = splitPatients(patients, splitSeed);
  const entry = (index: number): SplitEntry => {
    const options = patientOptions(index);
    return { index, patientId: String(options.patientId), seed: String(options.seed), options };
  };
  return {
    format: 'longitude-training-split',
    version: 1,
    model: MODEL_ID,
    patients,
    splitSeed,
    method: 'seeded Fisher–Yates shuffle of patient indices (mulberry32 of FNV-1a(splitSeed)); first 10 % test, next 10 % validation',
    generator: {
      api: 'tools/phantom generatePatient(options) / writePatient(dir, { ...options, writeLabels: true })',
      base: COHORT_BASE,
      perPatient: `size cycles ${SIZES.join('/')} (index mod 3); (sliceMm, slices) cycles ${Z_SAMPLINGS.map((s) => `(${s.sliceMm}, ${s.slices})`).join(' ')} (index mod 4); seed and patientId from cohortPatientOptions(base, index)`,
      exam: 'timepoint 0 (the only one)',
    },
    modelSpacingMm: MODEL_SPACING_MM,
    classes: CLASS_NAMES,
    train: split.train.map(entry),
    validation: split.validation.map(entry),
    test: split.test.map(entry),
  };
}

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_SPLIT_PATH = resolve(here, '../../resources/models', MODEL_ID, 'split.json');

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      patients: { type: 'string', default: '60' },
      'split-seed': { type: 'string', default: 'liver-lesions-split-v1' },
      'split-out': { type: 'string', default: DEFAULT_SPLIT_PATH },
      only: { type: 'string' },
    },
  });
  if (!values.out) throw new Error('--out <dir> is required (put it under /tmp, never in the repository)');
  const patients = Number(values.patients);
  const manifest = splitManifest(patients, values['split-seed']!);
  mkdirSync(dirname(values['split-out']!), { recursive: true });
  writeFileSync(values['split-out']!, `${JSON.stringify(manifest, null, 2)}\n`);
  mkdirSync(values.out, { recursive: true });

  const splits: SplitName[] = values.only ? [values.only as SplitName] : ['train', 'validation', 'test'];
  const cases = [];
  const t0 = performance.now();
  for (const split of splits) {
    for (const entry of manifest[split]) {
      const t = performance.now();
      const patient = generatePatient(entry.options);
      const c = prepareCase(patient);
      const id = entry.patientId;
      writeFileSync(join(values.out, `${id}.f32`), new Uint8Array(c.image.buffer));
      writeFileSync(join(values.out, `${id}.u8`), c.classes);
      writeFileSync(join(values.out, `${id}.lesions.u8`), c.lesionMap);
      const resolved = resolveOptions(entry.options);
      cases.push({
        id,
        index: entry.index,
        seed: entry.seed,
        split,
        series: { size: resolved.size, pixelMm: resolved.pixelMm, slices: resolved.slices, sliceMm: resolved.sliceMm },
        dims: c.dims,
        seriesBox: c.seriesBox,
        modelGeometry: c.modelGeometry,
        files: { image: `${id}.f32`, classes: `${id}.u8`, lesions: `${id}.lesions.u8` },
        lesions: c.lesions,
      });
      console.log(
        `${split.padEnd(10)} ${id} ${c.dims.join('×')} lesions ${c.lesions.map((l) => `${l.type[0]}${l.longestDiameterMm.toFixed(0)}`).join(' ')} ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
    }
  }
  writeFileSync(
    join(values.out, 'cases.json'),
    `${JSON.stringify({ format: 'longitude-training-cases', version: 1, spacingMm: MODEL_SPACING_MM, classes: CLASS_NAMES, layout: 'x fastest, then y, then z; image float32 HU little-endian', cases }, null, 1)}\n`,
  );
  console.log(`${cases.length} cases in ${((performance.now() - t0) / 1000).toFixed(0)} s → ${values.out}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
