/**
 * The phantom generator's programmatic API: one synthetic patient with
 * several contrast CT exams of the liver, and the ground truth that tests,
 * benchmarks and model training check against.
 */
import type { Mat3, VolumeGeometry } from '../../../../core/api/types';
import { AnatomySampler, type AnatomyParams, TISSUE_HU, sampleAnatomyParams } from './anatomy';
import {
  IDENTITY,
  type Mat3Rows,
  type RigidTransform,
  type Vec3,
  applyRigid,
  axialSectionSemiAxesMm,
  axisAngle,
  column,
  mulMat,
  randomUnitVector,
  rigidToMatrix4,
  round,
  roundMat,
  roundVec,
  rotationAngleDeg,
  scale,
} from './geometry';
import { type LesionCourse, type LesionEvent, type LesionPlan, type LesionType, planLesions } from './lesions';
import { Rng } from './rng';
import {
  type ExamScene,
  type ExamStats,
  type RenderLesion,
  LIVER_LABEL,
  SliceBuffers,
  emptyStats,
  synthesizeSlice,
} from './synthesize';
import { phantomUid } from './uid';

export type PixelEncoding = 'signed' | 'unsigned';

export interface PhantomOptions {
  /** Seed of every random choice; the same options give bit-identical output. Default 1. */
  seed?: number | string;
  /** PatientID (LO, ≤ 64 chars). Default `LGP-<seed>`. */
  patientId?: string;
  /** Rows = columns. Default 512. */
  size?: number;
  /** Slices per exam. Default 160. */
  slices?: number;
  /** Slice interval (distance between ImagePositionPatient z), mm. Default 2.0. */
  sliceMm?: number;
  /** Pixel spacing, mm. Default: a 380 mm field of view (0.742 mm at 512). */
  pixelMm?: number;
  /** SliceThickness written to the files; deliberately not the interval. Default 1.25 × sliceMm. */
  sliceThicknessMm?: number;
  /** Exams of the patient. Default 3. */
  timepoints?: number;
  /** Image noise SD, HU. Default 12. */
  noiseSdHu?: number;
  /** Largest patient shift between exams (at the body centre), mm. Default 15. */
  maxShiftMm?: number;
  /** Largest patient rotation between exams, degrees. Default 5. */
  maxRotationDeg?: number;
  /** Lesions of random type and course beyond the fixed cast. Default 1. */
  extraLesions?: number;
  /** 'signed': PixelRepresentation 1, intercept 0. 'unsigned': PixelRepresentation 0, intercept −1024. Default 'signed'. */
  pixelEncoding?: PixelEncoding;
  /** BitsStored (BitsAllocated is always 16). Default 16. */
  bitsStored?: 12 | 16;
  /** Sub-samples per axis for lesion partial volume (n³ per surface voxel). Default 4. */
  supersample?: number;
  /** Mean days between exams. Default 90. */
  followUpDays?: number;
}

export type ResolvedPhantomOptions = Required<Omit<PhantomOptions, 'seed'>> & { seed: string };

/** Field of view of the default pixel spacing: a typical abdominal CT reconstruction. */
const DEFAULT_FOV_MM = 380;

/** A bad option value; `option` is the PhantomOptions key, so a CLI can name its own flag. */
export class PhantomOptionError extends Error {
  constructor(
    readonly option: keyof WritePhantomOptionKeys,
    readonly problem: string,
  ) {
    super(`${option} ${problem}`);
    this.name = 'PhantomOptionError';
  }
}

/** Option names of generation and writing, for error reporting. */
export type WritePhantomOptionKeys = Required<PhantomOptions> & { workers: number; writeLabels: boolean };

function checkInt(name: keyof PhantomOptions, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new PhantomOptionError(name, `must be an integer from ${lo} to ${hi}, got ${v}`);
  return v;
}

function checkNumber(name: keyof PhantomOptions, v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v) || v < lo || v > hi) throw new PhantomOptionError(name, `must be a number from ${lo} to ${hi}, got ${v}`);
  return v;
}

/** Fill in defaults and reject impossible values with a message naming the option. */
export function resolveOptions(options: PhantomOptions = {}): ResolvedPhantomOptions {
  const seed = String(options.seed ?? 1);
  if (seed.length === 0 || seed.length > 64) throw new PhantomOptionError('seed', `must be 1 to 64 characters, got "${seed}"`);
  const size = checkInt('size', options.size ?? 512, 48, 2048);
  const sliceMm = checkNumber('sliceMm', options.sliceMm ?? 2, 0.25, 10);
  const patientId = options.patientId ?? `LGP-${seed}`;
  if (!/^[\x21-\x5b\x5d-\x7e]([\x20-\x5b\x5d-\x7e]*[\x21-\x5b\x5d-\x7e])?$/.test(patientId) || patientId.length > 64) {
    throw new PhantomOptionError('patientId', `must be 1 to 64 printable ASCII characters without a backslash, got "${patientId}"`);
  }
  const pixelEncoding = options.pixelEncoding ?? 'signed';
  if (pixelEncoding !== 'signed' && pixelEncoding !== 'unsigned') {
    throw new PhantomOptionError('pixelEncoding', `must be "signed" or "unsigned", got "${String(pixelEncoding)}"`);
  }
  const bitsStored = options.bitsStored ?? 16;
  if (bitsStored !== 12 && bitsStored !== 16) throw new PhantomOptionError('bitsStored', `must be 12 or 16, got ${String(bitsStored)}`);
  return {
    seed,
    patientId,
    size,
    slices: checkInt('slices', options.slices ?? 160, 1, 4000),
    sliceMm,
    pixelMm: checkNumber('pixelMm', options.pixelMm ?? DEFAULT_FOV_MM / size, 0.1, 10),
    sliceThicknessMm: checkNumber('sliceThicknessMm', options.sliceThicknessMm ?? sliceMm * 1.25, 0.1, 20),
    timepoints: checkInt('timepoints', options.timepoints ?? 3, 1, 20),
    noiseSdHu: checkNumber('noiseSdHu', options.noiseSdHu ?? 12, 0, 200),
    maxShiftMm: checkNumber('maxShiftMm', options.maxShiftMm ?? 15, 0, 100),
    maxRotationDeg: checkNumber('maxRotationDeg', options.maxRotationDeg ?? 5, 0, 45),
    extraLesions: checkInt('extraLesions', options.extraLesions ?? 1, 0, 20),
    pixelEncoding,
    bitsStored,
    supersample: checkInt('supersample', options.supersample ?? 4, 1, 16),
    followUpDays: checkInt('followUpDays', options.followUpDays ?? 90, 1, 3650),
  };
}

// ---------------------------------------------------------------- truth types

/** A rigid transform as written to the truth file. */
export interface RigidTransformTruth {
  /** Row-major 3×3 rotation. */
  rotation: Mat3Rows;
  translationMm: Vec3;
  /** Row-major 4×4 homogeneous form of the same transform. */
  matrix4x4: number[][];
  rotationDeg: number;
  convention: string;
}

export interface LesionSummary {
  id: string;
  labelValue: number;
  type: LesionType;
  course: LesionCourse;
  /** Set on the second fragment of a split: the lesion it came from. */
  splitFrom: string | null;
  /** Set on a lesion that coalesced into another one. */
  mergedInto: string | null;
  /** Timepoint indices at which the lesion is visible. */
  presentAt: number[];
  coreHu: number;
  rim: { thicknessMm: number; hu: number } | null;
  marginBlurMm: number;
}

export interface LesionTruth {
  id: string;
  type: LesionType;
  labelValue: number;
  /** Centre in this exam's LPS, mm. */
  centreMm: Vec3;
  semiAxesMm: Vec3;
  /** Unit direction (LPS) of each semi-axis, in the order of `semiAxesMm`. */
  axisDirections: [Vec3, Vec3, Vec3];
  /** 2 × the largest semi-axis. */
  longestDiameterMm: number;
  /** Long and perpendicular short diameter of the largest axial section (the one through the centre). */
  axialLongAxisMm: number;
  axialShortAxisMm: number;
  /** 4/3·π·a·b·c. */
  analyticVolumeMl: number;
  /** Voxels whose lesion coverage is ≥ 50 % (the label map). */
  voxelCount: number;
  /** voxelCount × voxel volume. */
  voxelizedVolumeMl: number;
  /** Σ fractional coverage × voxel volume (supersampled partial volume). */
  partialVolumeMl: number;
}

export interface TimepointTruth {
  index: number;
  /** DICOM DA (YYYYMMDD) and TM (HHMMSS). */
  studyDate: string;
  studyTime: string;
  daysFromBaseline: number;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  accessionNumber: string;
  seriesNumber: number;
  seriesDescription: string;
  /** Folder of the series, relative to the truth file. */
  seriesDir: string;
  /** Raw Uint8 label map (x fastest, then y, then z from the lowest slice), relative to the truth file. */
  labelsFile: string | null;
  geometry: VolumeGeometry;
  sliceThicknessMm: number;
  /** InstanceNumber 1 is the most superior slice (highest z), as scanners number a head-first scan. */
  instanceOrder: 'superior-to-inferior';
  pixelEncoding: PixelEncoding;
  rescaleIntercept: number;
  rescaleSlope: number;
  noiseSdHu: number;
  liverHu: number;
  /** Maps baseline LPS to this exam's LPS (identity at baseline). */
  baselineToExam: RigidTransformTruth;
  liver: {
    labelValue: number;
    /** Σ liver coverage (lesions included) × voxel volume, within this scan. */
    voxelizedVolumeMl: number;
    /** Voxels labelled liver parenchyma (lesion voxels not included). */
    parenchymaVoxelCount: number;
  };
  /** Lesions visible in this exam. */
  lesions: LesionTruth[];
}

export interface PhantomTruth {
  format: 'longitude-phantom-truth';
  version: 1;
  generator: { name: string; options: ResolvedPhantomOptions };
  coordinates: string;
  patient: { patientId: string; patientName: string; birthDate: string; sex: 'M' | 'F' };
  /**
   * Body outline of the baseline exam: an ellipse centred on x = y = 0 with
   * these semi-axes to the skin (anterior/posterior differ), and the layer
   * thicknesses inside it (skin, subcutaneous fat, muscle wall), in mm.
   */
  body: AnatomyParams['body'];
  /** Whole liver (lesions included), integrated on a 2.5 mm grid of the anatomy; independent of scan coverage. */
  liver: { volumeMl: number; labelValue: number };
  labels: string;
  lesions: LesionSummary[];
  events: LesionEvent[];
  timepoints: TimepointTruth[];
}

// ------------------------------------------------------------------ planning

export interface PreparedExam {
  scene: ExamScene;
  truth: Omit<TimepointTruth, 'liver' | 'lesions'>;
  visible: LesionPlan[];
}

export interface PreparedPatient {
  options: ResolvedPhantomOptions;
  exams: PreparedExam[];
  plan: LesionPlan[];
  truthBase: Omit<PhantomTruth, 'timepoints'>;
}

function toDicomDate(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

function rigidTruth(t: RigidTransform): RigidTransformTruth {
  return {
    rotation: roundMat(t.rotation, 9),
    translationMm: roundVec(t.translationMm, 6),
    matrix4x4: rigidToMatrix4(t).map((row) => row.map((v) => round(v, 9))),
    rotationDeg: round(rotationAngleDeg(t.rotation), 6),
    convention: 'p_exam = rotation · p_baseline + translationMm (LPS mm); rotation is row-major',
  };
}

function gridGeometry(o: ResolvedPhantomOptions): VolumeGeometry {
  const direction: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  return {
    dims: [o.size, o.size, o.slices],
    spacingMm: [o.pixelMm, o.pixelMm, o.sliceMm],
    // Centred on the body (x, y) and on mid-liver (z) at baseline.
    originMm: [(-(o.size - 1) / 2) * o.pixelMm, (-(o.size - 1) / 2) * o.pixelMm, (-(o.slices - 1) / 2) * o.sliceMm],
    direction,
  };
}

/**
 * Everything about a patient except the voxels: options, scenes per exam and
 * the truth skeleton. Deterministic, so parallel writers can each rebuild it.
 */
export function preparePatient(options: PhantomOptions, { integrateLiver = true } = {}): PreparedPatient {
  const o = resolveOptions(options);
  const key = `seed:${o.seed}`;
  // Separate streams, so e.g. a different grid size keeps the anatomy, motion and dates.
  const anatomyRng = new Rng(`${key}/anatomy`);
  const motionRng = new Rng(`${key}/motion`);
  const peopleRng = new Rng(`${key}/demographics`);
  const lesionRng = new Rng(`${key}/lesions`);
  // Everything that changes pixels goes into the UIDs, so different output never shares a UID.
  const uidKey = JSON.stringify(o);

  const anatomyParams = sampleAnatomyParams(anatomyRng);
  const geometry = gridGeometry(o);
  const edgeMm = o.pixelMm;

  const transforms: RigidTransform[] = [{ rotation: IDENTITY, translationMm: [0, 0, 0] }];
  for (let t = 1; t < o.timepoints; t++) {
    const angle = (o.maxRotationDeg * motionRng.uniform(0.3, 1) * Math.PI) / 180;
    const rotation = o.maxRotationDeg > 0 ? axisAngle(randomUnitVector(motionRng), angle) : IDENTITY;
    const translationMm = scale(randomUnitVector(motionRng), o.maxShiftMm * motionRng.uniform(0.3, 1));
    transforms.push({ rotation, translationMm });
  }

  const liverHus = transforms.map((_, t) => (t === 0 ? TISSUE_HU.liver : TISSUE_HU.liver + motionRng.uniform(-5, 6)));
  const placementSampler = new AnatomySampler(anatomyParams, 1);
  const [nx, ny, nz] = geometry.dims;
  const [sx, sy, sz] = geometry.spacingMm;
  const [ox, oy, oz] = geometry.originMm;
  const scanBoxMm = [ox, ox + (nx - 1) * sx, oy, oy + (ny - 1) * sy, oz, oz + (nz - 1) * sz];
  const { lesions: plan, events } = planLesions(
    lesionRng,
    placementSampler,
    { transforms, scanBoxMm },
    o.timepoints,
    o.extraLesions,
    2 * Math.max(sx, sz),
  );

  // Demographics and dates.
  const baselineDay = Date.UTC(2021, 0, 4) + peopleRng.int(0, 1000) * 86_400_000;
  const ageYears = peopleRng.int(45, 80);
  const birth = new Date(baselineDay - ageYears * 365.25 * 86_400_000 - peopleRng.int(0, 364) * 86_400_000);
  const sex: 'M' | 'F' = peopleRng.bool() ? 'M' : 'F';
  const patientName = `PHANTOM^${o.patientId.replace(/\^/g, '-')}`.slice(0, 64);
  const days: number[] = [0];
  for (let t = 1; t < o.timepoints; t++) days.push(days[t - 1] + Math.round(o.followUpDays * peopleRng.uniform(0.9, 1.15)));

  const exams: PreparedExam[] = transforms.map((baselineToExam, t) => {
    const date = new Date(baselineDay + days[t] * 86_400_000);
    const studyDate = toDicomDate(date);
    const hh = peopleRng.int(8, 17);
    const mm = peopleRng.int(0, 59);
    const ss = peopleRng.int(0, 59);
    const studyTime = `${String(hh).padStart(2, '0')}${String(mm).padStart(2, '0')}${String(ss).padStart(2, '0')}`;
    const visible = plan.filter((l) => l.shapes[t] !== null);
    const lesions: RenderLesion[] = visible.map((l) => {
      const s = l.shapes[t]!;
      return {
        id: l.id,
        labelValue: l.labelValue,
        type: l.type,
        coreHu: l.coreHu,
        rim: l.rim,
        marginBlurMm: l.marginBlurMm,
        centreMm: applyRigid(baselineToExam, s.centreMm),
        semiAxesMm: s.semiAxesMm,
        axes: mulMat(baselineToExam.rotation, s.axes),
      };
    });
    const anatomy = new AnatomySampler({ ...anatomyParams, liver: { ...anatomyParams.liver, hu: liverHus[t] } }, edgeMm);
    const scene: ExamScene = {
      geometry,
      baselineToExam,
      anatomy,
      lesions,
      noiseSdHu: o.noiseSdHu,
      noiseKey: `${key}/noise/t${t}`,
      supersample: o.supersample,
    };
    const seriesDir = `t${t}_${studyDate}`;
    const truth: PreparedExam['truth'] = {
      index: t,
      studyDate,
      studyTime,
      daysFromBaseline: days[t],
      studyInstanceUid: phantomUid(uidKey, 'study', t),
      seriesInstanceUid: phantomUid(uidKey, 'series', t),
      frameOfReferenceUid: phantomUid(uidKey, 'frame-of-reference', t),
      accessionNumber: `LGP${(Number.parseInt(phantomUid(uidKey, 'acc', t).slice(5, 14), 10) % 1e8).toString().padStart(8, '0')}`,
      seriesNumber: 2,
      seriesDescription: `Phantom abdomen PV ${o.sliceThicknessMm.toFixed(1)}mm t${t}`,
      seriesDir,
      labelsFile: null,
      geometry,
      sliceThicknessMm: o.sliceThicknessMm,
      instanceOrder: 'superior-to-inferior',
      pixelEncoding: o.pixelEncoding,
      rescaleIntercept: o.pixelEncoding === 'signed' ? 0 : -1024,
      rescaleSlope: 1,
      noiseSdHu: o.noiseSdHu,
      liverHu: round(liverHus[t], 2),
      baselineToExam: rigidTruth(baselineToExam),
    };
    return { scene, truth, visible };
  });

  const truthBase: Omit<PhantomTruth, 'timepoints'> = {
    format: 'longitude-phantom-truth',
    version: 1,
    generator: { name: 'Longitude phantom', options: o },
    coordinates:
      'DICOM patient LPS millimetres (PS3.3 C.7.6.2.1.1): +x patient left, +y posterior, +z superior; each timepoint in its own exam LPS',
    patient: { patientId: o.patientId, patientName, birthDate: toDicomDate(birth), sex },
    body: Object.fromEntries(Object.entries(anatomyParams.body).map(([k, v]) => [k, round(v, 3)])) as AnatomyParams['body'],
    liver: {
      volumeMl: integrateLiver
        ? round(integrateLiverMl(new AnatomySampler(anatomyParams, LIVER_INTEGRATION_STEP_MM), LIVER_INTEGRATION_STEP_MM), 1)
        : Number.NaN,
      labelValue: LIVER_LABEL,
    },
    labels: '0 = other, 1 = liver parenchyma, lesions = their labelValue (label = coverage ≥ 50 %)',
    lesions: plan.map((l) => ({
      id: l.id,
      labelValue: l.labelValue,
      type: l.type,
      course: l.course,
      splitFrom: l.splitFrom,
      mergedInto: l.mergedInto,
      presentAt: l.shapes.flatMap((s, t) => (s ? [t] : [])),
      coreHu: round(l.coreHu, 1),
      rim: l.rim ? { thicknessMm: round(l.rim.thicknessMm, 2), hu: round(l.rim.hu, 1) } : null,
      marginBlurMm: round(l.marginBlurMm, 3),
    })),
    events,
  };
  return { options: o, exams, plan, truthBase };
}

/**
 * Liver volume on a fine grid of the anatomy frame (the sampler's
 * partial-volume ramp matches the grid step), independent of any scan.
 */
function integrateLiverMl(sampler: AnatomySampler, stepMm: number): number {
  const b = sampler.liverBoundsMm;
  const count = Math.ceil((b[1] - b[0]) / stepMm);
  const hu = new Float32Array(count);
  const liver = new Float32Array(count);
  let sum = 0;
  for (let z = b[4] + stepMm / 2; z < b[5]; z += stepMm)
    for (let y = b[2] + stepMm / 2; y < b[3]; y += stepMm) {
      sampler.sampleRow(b[0] + stepMm / 2, y, z, stepMm, 0, 0, count, hu, liver, 0);
      for (let i = 0; i < count; i++) sum += liver[i];
    }
  return (sum * stepMm ** 3) / 1000;
}

// 2.5 mm agrees with a 0.7 mm grid to 0.1 mL: the ramp makes the integrand smooth.
const LIVER_INTEGRATION_STEP_MM = 2.5;

export function finishTimepoint(exam: PreparedExam, stats: ExamStats): TimepointTruth {
  const [sx, sy, sz] = exam.scene.geometry.spacingMm;
  const voxelMl = (sx * sy * sz) / 1000;
  const lesions: LesionTruth[] = exam.scene.lesions.map((l) => {
    const s = stats.lesions.get(l.id)!;
    const [a, b, c] = l.semiAxesMm;
    const [axialLong, axialShort] = axialSectionSemiAxesMm(l.axes, l.semiAxesMm);
    return {
      id: l.id,
      type: l.type,
      labelValue: l.labelValue,
      centreMm: roundVec(l.centreMm, 4),
      semiAxesMm: roundVec(l.semiAxesMm, 4),
      axisDirections: [roundVec(column(l.axes, 0), 6), roundVec(column(l.axes, 1), 6), roundVec(column(l.axes, 2), 6)],
      longestDiameterMm: round(2 * Math.max(a, b, c), 3),
      axialLongAxisMm: round(2 * axialLong, 3),
      axialShortAxisMm: round(2 * axialShort, 3),
      analyticVolumeMl: round(((4 / 3) * Math.PI * a * b * c) / 1000, 4),
      voxelCount: s.voxelCount,
      voxelizedVolumeMl: round(s.voxelCount * voxelMl, 4),
      partialVolumeMl: round(s.coverageSum * voxelMl, 4),
    };
  });
  return {
    ...exam.truth,
    liver: {
      labelValue: LIVER_LABEL,
      voxelizedVolumeMl: round(stats.liverCoverageSum * voxelMl, 2),
      parenchymaVoxelCount: stats.liverParenchymaVoxels,
    },
    lesions,
  };
}

// ------------------------------------------------------------------- generate

export interface GeneratedTimepoint {
  /** HU, x fastest, then y, then z (slice 0 = lowest z). */
  volume: Int16Array;
  /** Label map in the same layout (see PhantomTruth.labels). */
  labels: Uint8Array;
  geometry: VolumeGeometry;
  truth: TimepointTruth;
}

export interface GeneratedPatient {
  truth: PhantomTruth;
  timepoints: GeneratedTimepoint[];
}

/** Synthesise every exam of one patient in memory (no files). */
export function generatePatient(options: PhantomOptions = {}): GeneratedPatient {
  const prep = preparePatient(options);
  const timepoints = prep.exams.map((exam) => {
    const [nx, ny, nz] = exam.scene.geometry.dims;
    const perSlice = nx * ny;
    const volume = new Int16Array(perSlice * nz);
    const labels = new Uint8Array(perSlice * nz);
    const stats = emptyStats(exam.scene);
    const buffers = new SliceBuffers(perSlice);
    for (let k = 0; k < nz; k++) {
      synthesizeSlice(
        exam.scene,
        k,
        volume.subarray(k * perSlice, (k + 1) * perSlice),
        labels.subarray(k * perSlice, (k + 1) * perSlice),
        stats,
        buffers,
      );
    }
    return { volume, labels, geometry: exam.scene.geometry, truth: finishTimepoint(exam, stats) };
  });
  return { truth: { ...prep.truthBase, timepoints: timepoints.map((t) => t.truth) }, timepoints };
}

