/**
 * Placing a SEG's frames on the grid of the CT series it segments: each frame's
 * ImagePositionPatient gives its slice (nearest slice plane, within a tolerance) and
 * its in-plane offset (whole voxels); its orientation and pixel spacing must be the
 * series'. The result is one Uint8Array mask per segment on the series grid, so
 * overlapping segments stay intact, or one label map when they do not overlap.
 */
import type { Vec3, VolumeGeometry } from '../../../../core/api/types';
import { lpsToIndex } from '../../../../core/dicom/geometry';
import { segFrameBits, type SegDocument, type SegSegment } from './readSeg';
import { SegReadError } from './segError';

export interface SegTarget {
  geometry: VolumeGeometry;
  /** The series' FrameOfReferenceUID; a different one in the SEG is an error. */
  frameOfReferenceUid?: string;
  /** The series' SeriesInstanceUID; a SEG that references other series only gets a warning. */
  seriesInstanceUid?: string;
}

export interface SegPlacementOptions {
  /** Segments to place (default: all). */
  segmentNumbers?: readonly number[];
  /** Largest distance of a frame from its slice plane, as a fraction of the slice interval. Default 0.5. */
  sliceTolerance?: number;
}

export interface SegmentMask {
  segment: SegSegment;
  /** 1 inside, on the series grid (x fastest, then y, then slice). */
  mask: Uint8Array;
  voxelCount: number;
  /** Frames of this segment in the SEG. */
  frameCount: number;
  /** Slice indices that received at least one frame, ascending. */
  slices: number[];
}

export interface SegOnGrid {
  segments: SegmentMask[];
  warnings: string[];
}

/** Largest in-plane offset from a whole voxel accepted for a frame's origin (DS rounding, float32 writers). */
const IN_PLANE_TOLERANCE_VOXELS = 0.01;
/** Direction cosines of the frame and the series must agree this well (cos 0.8°). */
const ORIENTATION_COS_MIN = 0.9999;
/** A frame further than this from its slice plane (fraction of the interval) is placed, with a warning. */
const WARN_SLICE_OFFSET = 0.1;

function fmtMm(v: number): string {
  return `${Math.round(v * 1000) / 1000}`;
}

function cosine(a: number[], b: number[]): number {
  const na = Math.hypot(a[0], a[1], a[2]);
  const nb = Math.hypot(b[0], b[1], b[2]);
  return (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (na * nb);
}

/**
 * One mask per segment on the target series' grid. Throws SegReadError when the
 * frame of reference differs, a frame's orientation or pixel spacing is not the
 * series', a frame does not lie on one of its slices, or segment pixels fall outside
 * the series' images.
 */
export function segMasksOnGrid(doc: SegDocument, target: SegTarget, options: SegPlacementOptions = {}): SegOnGrid {
  const { geometry } = target;
  const sliceTolerance = options.sliceTolerance ?? 0.5;
  const fail = (code: ConstructorParameters<typeof SegReadError>[1], reason: string): never => {
    throw new SegReadError(doc.file, code, reason);
  };
  const warnings: string[] = [];

  if (target.frameOfReferenceUid && doc.frameOfReferenceUid && target.frameOfReferenceUid !== doc.frameOfReferenceUid) {
    fail('frame-of-reference-mismatch', `its frame of reference (${doc.frameOfReferenceUid}) is not the series' (${target.frameOfReferenceUid})`);
  }
  if (target.seriesInstanceUid && doc.referencedSeriesInstanceUids.length > 0 && !doc.referencedSeriesInstanceUids.includes(target.seriesInstanceUid)) {
    warnings.push(`the segmentation says it was made from series ${doc.referencedSeriesInstanceUids.join(', ')}, not this one; it was placed by position`);
  }

  const wanted = options.segmentNumbers ? new Set(options.segmentNumbers) : null;
  if (wanted) {
    for (const n of wanted) if (!doc.segments.some((s) => s.segmentNumber === n)) fail('invalid-argument', `it has no segment ${n}`);
  }
  const [nx, ny, nz] = geometry.dims;
  const d = geometry.direction;
  const iAxis = [d[0], d[1], d[2]];
  const jAxis = [d[3], d[4], d[5]];

  const out = new Map<number, SegmentMask>();
  for (const segment of doc.segments) {
    if (wanted && !wanted.has(segment.segmentNumber)) continue;
    out.set(segment.segmentNumber, { segment, mask: new Uint8Array(nx * ny * nz), voxelCount: 0, frameCount: 0, slices: [] });
  }

  const frameBits = new Uint8Array(doc.rows * doc.columns);
  const filled = new Map<number, Map<number, number>>(); // segment → slice → first frame index
  let worstSliceOffset = 0;
  for (const frame of doc.frames) {
    const placed = out.get(frame.segmentNumber);
    if (!placed) continue;
    const where = `frame ${frame.index + 1} (segment ${frame.segmentNumber})`;
    const o = frame.orientation;
    // Frame rows run along the series' i axis and its columns along j (PS3.3 C.7.6.2.1.1).
    if (cosine([o[0], o[1], o[2]], iAxis) < ORIENTATION_COS_MIN || cosine([o[3], o[4], o[5]], jAxis) < ORIENTATION_COS_MIN) {
      fail('orientation-mismatch', `${where} has orientation [${o.map(fmtMm).join(', ')}] but the series has [${[...iAxis, ...jAxis].map(fmtMm).join(', ')}]`);
    }
    const [rowSpacing, columnSpacing] = frame.pixelSpacingMm;
    const [sx, sy] = geometry.spacingMm;
    if (Math.abs(columnSpacing - sx) > 1e-3 * sx || Math.abs(rowSpacing - sy) > 1e-3 * sy) {
      fail('off-grid', `${where} has pixel spacing ${fmtMm(rowSpacing)}\\${fmtMm(columnSpacing)} mm but the series has ${fmtMm(sy)}\\${fmtMm(sx)} mm`);
    }
    const [fi, fj, fk] = lpsToIndex(geometry, frame.positionMm as Vec3);
    const k = Math.round(fk);
    const sliceOffset = Math.abs(fk - k);
    if (k < 0 || k >= nz || sliceOffset > sliceTolerance) {
      fail('off-grid', `${where} at [${frame.positionMm.map(fmtMm).join(', ')}] mm is not on a slice of the series (slice index ${fmtMm(fk)}, slices 0…${nz - 1})`);
    }
    worstSliceOffset = Math.max(worstSliceOffset, sliceOffset);
    const i0 = Math.round(fi);
    const j0 = Math.round(fj);
    if (Math.abs(fi - i0) > IN_PLANE_TOLERANCE_VOXELS || Math.abs(fj - j0) > IN_PLANE_TOLERANCE_VOXELS) {
      fail('off-grid', `${where} starts at column ${fmtMm(fi)}, row ${fmtMm(fj)} of the series: between voxels`);
    }

    segFrameBits(doc, frame.index, frameBits);
    const mask = placed.mask;
    const base = k * nx * ny;
    for (let r = 0; r < doc.rows; r++) {
      const j = j0 + r;
      for (let c = 0; c < doc.columns; c++) {
        if (!frameBits[r * doc.columns + c]) continue;
        const i = i0 + c;
        if (i < 0 || i >= nx || j < 0 || j >= ny) {
          fail('off-grid', `${where} has segment pixels outside the series' ${nx}×${ny} images (at column ${i}, row ${j})`);
        }
        const p = base + j * nx + i;
        if (mask[p] === 0) {
          mask[p] = 1;
          placed.voxelCount++;
        }
      }
    }
    placed.frameCount++;
    let slices = filled.get(frame.segmentNumber);
    if (!slices) filled.set(frame.segmentNumber, (slices = new Map()));
    const earlier = slices.get(k);
    if (earlier === undefined) slices.set(k, frame.index);
    else warnings.push(`frames ${earlier + 1} and ${frame.index + 1} of segment ${frame.segmentNumber} fall on the same slice ${k}; they were combined`);
  }
  if (worstSliceOffset > WARN_SLICE_OFFSET) {
    warnings.push(`some frames lie up to ${fmtMm(worstSliceOffset * geometry.spacingMm[2])} mm from the series' slice planes; each was placed on the nearest slice`);
  }
  for (const [n, m] of out) m.slices = [...(filled.get(n)?.keys() ?? [])].sort((a, b) => a - b);
  return { segments: [...out.values()], warnings };
}

export interface SegLabelMap {
  /** Segment number per voxel (0 outside every segment), on the series grid. */
  labelMap: Uint8Array;
  segments: SegSegment[];
  warnings: string[];
}

/**
 * All segments in one label map (voxel value = segment number). Segments that overlap
 * cannot share one map: that is an error naming them, so nothing is silently lost.
 */
export function segLabelMap(doc: SegDocument, target: SegTarget, options: SegPlacementOptions = {}): SegLabelMap {
  const placed = segMasksOnGrid(doc, target, options);
  const big = placed.segments.find((s) => s.segment.segmentNumber > 255);
  if (big) throw new SegReadError(doc.file, 'overlap', `segment number ${big.segment.segmentNumber} does not fit an 8-bit label map`);
  const [nx, ny, nz] = target.geometry.dims;
  const labelMap = new Uint8Array(nx * ny * nz);
  for (const s of placed.segments) {
    const value = s.segment.segmentNumber;
    const mask = s.mask;
    for (let p = 0; p < mask.length; p++) {
      if (!mask[p]) continue;
      if (labelMap[p] !== 0) {
        const other = placed.segments.find((o) => o.segment.segmentNumber === labelMap[p])!;
        throw new SegReadError(doc.file, 'overlap', `segments ${other.segment.segmentNumber} ("${other.segment.label}") and ${value} ("${s.segment.label}") overlap`);
      }
      labelMap[p] = value;
    }
  }
  return { labelMap, segments: placed.segments.map((s) => s.segment), warnings: placed.warnings };
}
