/**
 * Voxel synthesis of one exam, slice by slice: anatomy (moved rigidly with
 * the patient), lesions (evaluated only inside their bounding boxes, with
 * supersampled partial volume at their surface), then seeded Gaussian noise.
 * A slice depends only on the scene and its index, so slices can be made in
 * any order or in parallel and still come out bit-identical.
 */
import type { VolumeGeometry } from '../../../../core/api/types';
import type { AnatomySampler } from './anatomy';
import { type Mat3Rows, type RigidTransform, type Vec3, invertRigid } from './geometry';
import type { LesionAppearance } from './lesions';
import { Rng } from './rng';

/** Label map values: 0 = anything else, 1 = liver parenchyma, lesions from 2 (see the truth file). */
export const LIVER_LABEL = 1;

/** A lesion as rendered in one exam, in that exam's LPS. */
export interface RenderLesion extends LesionAppearance {
  id: string;
  labelValue: number;
  type: 'metastasis' | 'cyst';
  centreMm: Vec3;
  semiAxesMm: Vec3;
  axes: Mat3Rows;
}

export interface ExamScene {
  geometry: VolumeGeometry;
  /** Baseline LPS (anatomy frame) → this exam's LPS. */
  baselineToExam: RigidTransform;
  anatomy: AnatomySampler;
  lesions: RenderLesion[];
  noiseSdHu: number;
  /** Key of this exam's noise streams (one per slice). */
  noiseKey: string;
  /** Sub-samples per axis for partial volume at lesion surfaces. */
  supersample: number;
}

/** Running sums over the slices of one exam. */
export interface ExamStats {
  /** Per lesion id: voxels labelled with the lesion and the sum of their fractional coverage. */
  lesions: Map<string, { voxelCount: number; coverageSum: number }>;
  /** Whole liver, lesions included: sum of fractional coverage. */
  liverCoverageSum: number;
  /** Voxels labelled liver parenchyma (lesion voxels excluded). */
  liverParenchymaVoxels: number;
}

export function emptyStats(scene: ExamScene): ExamStats {
  return {
    lesions: new Map(scene.lesions.map((l) => [l.id, { voxelCount: 0, coverageSum: 0 }])),
    liverCoverageSum: 0,
    liverParenchymaVoxels: 0,
  };
}

export function mergeStats(into: ExamStats, from: ExamStats): void {
  for (const [id, s] of from.lesions) {
    const t = into.lesions.get(id);
    if (t) {
      t.voxelCount += s.voxelCount;
      t.coverageSum += s.coverageSum;
    } else into.lesions.set(id, { ...s });
  }
  into.liverCoverageSum += from.liverCoverageSum;
  into.liverParenchymaVoxels += from.liverParenchymaVoxels;
}

/** Scratch buffers for one slice, reused across slices. */
export class SliceBuffers {
  readonly hu: Float32Array;
  readonly liverFraction: Float32Array;
  constructor(voxelsPerSlice: number) {
    this.hu = new Float32Array(voxelsPerSlice);
    this.liverFraction = new Float32Array(voxelsPerSlice);
  }
}

/** Largest and smallest HU a stored 16-bit sample can carry, kept CT-like (12-bit range). */
export const HU_MIN = -1024;
export const HU_MAX = 3071;

/**
 * Synthesise slice `k` (0 = lowest z) into `huOut` (Int16 HU, row-major,
 * columns × rows) and `labelsOut`, adding to `stats`.
 */
export function synthesizeSlice(
  scene: ExamScene,
  k: number,
  huOut: Int16Array,
  labelsOut: Uint8Array,
  stats: ExamStats,
  buffers: SliceBuffers,
): void {
  const g = scene.geometry;
  const [columns, rows] = g.dims;
  const [sx, sy, sz] = g.spacingMm;
  const [ox, oy, oz] = g.originMm;
  const n = columns * rows;
  if (huOut.length !== n || labelsOut.length !== n) throw new Error('slice buffers have the wrong size');
  const { hu, liverFraction } = buffers;
  const anatomy = scene.anatomy;
  // Exam LPS → anatomy: the body is evaluated where this voxel came from.
  const inv = invertRigid(scene.baselineToExam);
  const r = inv.rotation;
  const tr = inv.translationMm;
  // The scanner grid is axis-aligned (identity direction), so a voxel's LPS
  // position is origin + index × spacing.
  const z = oz + k * sz;
  for (let j = 0; j < rows; j++) {
    const y = oy + j * sy;
    anatomy.sampleRow(
      r[0][0] * ox + r[0][1] * y + r[0][2] * z + tr[0],
      r[1][0] * ox + r[1][1] * y + r[1][2] * z + tr[1],
      r[2][0] * ox + r[2][1] * y + r[2][2] * z + tr[2],
      r[0][0] * sx,
      r[1][0] * sx,
      r[2][0] * sx,
      columns,
      hu,
      liverFraction,
      j * columns,
    );
  }
  let liverSum = 0;
  for (let v = 0; v < n; v++) liverSum += liverFraction[v];
  stats.liverCoverageSum += liverSum;
  labelsOut.fill(0);

  for (const lesion of scene.lesions) paintLesion(scene, lesion, z, hu, liverFraction, labelsOut, stats);

  let parenchyma = 0;
  for (let v = 0; v < n; v++) {
    if (labelsOut[v] === 0 && liverFraction[v] >= 0.5) {
      labelsOut[v] = LIVER_LABEL;
      parenchyma++;
    }
  }
  stats.liverParenchymaVoxels += parenchyma;

  if (scene.noiseSdHu > 0) new Rng(`${scene.noiseKey}/slice${k}`).addGaussianNoise(hu, scene.noiseSdHu);
  for (let v = 0; v < n; v++) {
    const h = Math.round(hu[v]);
    huOut[v] = h < HU_MIN ? HU_MIN : h > HU_MAX ? HU_MAX : h;
  }
}

function paintLesion(
  scene: ExamScene,
  lesion: RenderLesion,
  z: number,
  hu: Float32Array,
  liverFraction: Float32Array,
  labels: Uint8Array,
  stats: ExamStats,
): void {
  const g = scene.geometry;
  const [columns, rows] = g.dims;
  const [sx, sy, sz] = g.spacingMm;
  const [ox, oy] = g.originMm;
  const [cx, cy, cz] = lesion.centreMm;
  const a = lesion.semiAxesMm;
  const O = lesion.axes;
  const aMin = Math.min(a[0], a[1], a[2]);
  const blur = lesion.marginBlurMm;
  // Beyond 6 logistic scales the blurred edge contributes < 0.25 % of the contrast.
  const outerMm = blur > 0 ? 6 * blur : 0;
  const halfDiagMm = 0.5 * Math.hypot(sx, sy, sz);
  // Half-extents of the ellipsoid's bounding box: sqrt(Σ_j (O_ij a_j)²).
  const ext = [0, 1, 2].map((i) => Math.hypot(O[i][0] * a[0], O[i][1] * a[1], O[i][2] * a[2]) + outerMm + halfDiagMm);
  const dz = z - cz;
  if (Math.abs(dz) > ext[2]) return;
  const i0 = Math.max(0, Math.floor((cx - ext[0] - ox) / sx));
  const i1 = Math.min(columns - 1, Math.ceil((cx + ext[0] - ox) / sx));
  const j0 = Math.max(0, Math.floor((cy - ext[1] - oy) / sy));
  const j1 = Math.min(rows - 1, Math.ceil((cy + ext[1] - oy) / sy));
  if (i0 > i1 || j0 > j1) return;

  // q = diag(1/a) Oᵀ (p − c): the point in the lesion's unit-sphere frame.
  const m = [0, 1, 2].map((jj) => [O[0][jj] / a[jj], O[1][jj] / a[jj], O[2][jj] / a[jj]]);
  // ρ = |q| is (1/aMin)-Lipschitz in p, so a voxel whose centre has
  // |ρ − 1| > halfDiag/aMin lies entirely inside or outside.
  const pvBand = halfDiagMm / aMin;
  const skipBand = 1 + (halfDiagMm + outerMm) / aMin;
  const ns = scene.supersample;
  const subOffsets: number[] = [];
  for (let s = 0; s < ns; s++) subOffsets.push((s + 0.5) / ns - 0.5);
  const subCount = ns * ns * ns;
  const rim = lesion.rim;
  const entry = stats.lesions.get(lesion.id);
  if (!entry) throw new Error(`no stats entry for lesion ${lesion.id}`);

  for (let j = j0; j <= j1; j++) {
    const dy = oy + j * sy - cy;
    for (let i = i0; i <= i1; i++) {
      const dx = ox + i * sx - cx;
      const q0 = m[0][0] * dx + m[0][1] * dy + m[0][2] * dz;
      const q1 = m[1][0] * dx + m[1][1] * dy + m[1][2] * dz;
      const q2 = m[2][0] * dx + m[2][1] * dy + m[2][2] * dz;
      const rho = Math.sqrt(q0 * q0 + q1 * q1 + q2 * q2);
      if (rho > skipBand) continue;
      let coverage: number;
      if (rho <= 1 - pvBand) coverage = 1;
      else if (rho >= 1 + pvBand) coverage = 0;
      else {
        let inside = 0;
        for (const fx of subOffsets) {
          const ex = fx * sx;
          for (const fy of subOffsets) {
            const ey = fy * sy;
            for (const fz of subOffsets) {
              const ez = fz * sz;
              const p0 = q0 + m[0][0] * ex + m[0][1] * ey + m[0][2] * ez;
              const p1 = q1 + m[1][0] * ex + m[1][1] * ey + m[1][2] * ez;
              const p2 = q2 + m[2][0] * ex + m[2][1] * ey + m[2][2] * ez;
              if (p0 * p0 + p1 * p1 + p2 * p2 <= 1) inside++;
            }
          }
        }
        coverage = inside / subCount;
      }
      // Distance to the surface along the ray from the centre (mm, negative inside).
      const rMm = Math.sqrt(dx * dx + dy * dy + dz * dz);
      const surfaceMm = rho > 1e-9 ? rMm * (1 - 1 / rho) : -aMin;
      let lesionHu = lesion.coreHu;
      if (rim) {
        const w = 0.5 - (-surfaceMm - rim.thicknessMm);
        lesionHu += (w <= 0 ? 0 : w >= 1 ? 1 : w) * (rim.hu - lesion.coreHu);
      }
      // Metastases: blurred margin; cysts: sharp, only partial volume.
      const weight = blur > 0 ? 1 / (1 + Math.exp(surfaceMm / blur)) : coverage;
      const v = j * columns + i;
      hu[v] += weight * (lesionHu - hu[v]);
      if (coverage > 0) {
        entry.coverageSum += coverage;
        liverFraction[v] *= 1 - coverage;
        if (coverage >= 0.5) {
          labels[v] = lesion.labelValue;
          entry.voxelCount++;
        }
      }
    }
  }
}
