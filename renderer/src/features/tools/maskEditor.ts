/**
 * The masks being edited, one per (series, structure, lesion), on the series grid; and
 * the saved masks of the open series, kept as runs for the overlays. The voxel arrays
 * live here, not in a store (like the volume's voxels live with its loader); the store
 * gets their numbers (MaskSessionSummary). Editing reuses core/segmentation; each stroke,
 * region grown or interpolation is one undo step, kept as the voxels it changed.
 */
import { decodeMaskRle, encodeMaskRle, type MaskRle } from '../../../../core/api/maskRle';
import type { Vec3, VolumeGeometry } from '../../../../core/api/types';
import { erase, interpolateSlices, paintDisk, regionGrow, voxelVolumeMm3, type HuRange } from '../../../../core/segmentation';
import type { MaskSessionSummary, SegmentTarget } from './toolStore';
import { add, norm, scale, sub } from '../../../../core/dicom/geometry';
import { inPlaneAxes, sparseFromRle, type SliceAxis, type SparseMask } from './maskSlice';

/** One edit as the voxels it changed: their flat indices and their values before it. */
interface MaskUndoStep {
  indices: Int32Array;
  before: Uint8Array;
}

export interface MaskSession {
  key: string;
  seriesId: number;
  structure: SegmentTarget;
  lesionId: number | null;
  geometry: VolumeGeometry;
  /** 1 inside, 0 outside, on the series grid (x fastest). */
  mask: Uint8Array;
  segmentationId: number | null;
  voxelCount: number;
  dirty: boolean;
  /** Slice axis of the last edit: interpolation fills between slices of that orientation. */
  lastSliceAxis: SliceAxis;
  undo: MaskUndoStep[];
  /** Edits taken back, newest last (the same voxels, with their values before the redo). */
  redo: MaskUndoStep[];
  /** Bumped by every completed edit, undo and redo (the 3D view redraws the mask on it). */
  revision: number;
  /** The slice under the brush before the current stroke. */
  stroke: { axis: SliceAxis; slice: number; before: Uint8Array } | null;
}

/** Undo steps kept per mask; a stroke costs a few bytes per voxel it changed. */
const MASK_UNDO_LIMIT = 50;

const sessions = new Map<string, MaskSession>();
/** Saved segmentations of the open series, by id, as runs; `updatedAt` tells when to refetch. */
const saved = new Map<number, { updatedAt: string; seriesId: number; sparse: SparseMask }>();

export function sessionKey(seriesId: number, structure: SegmentTarget, lesionId: number | null): string {
  return `${seriesId}:${structure === 'liver' ? 'liver' : `lesion-${lesionId}`}`;
}

export const getSession = (key: string): MaskSession | undefined => sessions.get(key);
export const sessionsOfSeries = (seriesId: number): MaskSession[] => [...sessions.values()].filter((s) => s.seriesId === seriesId);
export const allSessions = (): MaskSession[] => [...sessions.values()];
export function dropSession(key: string): void {
  sessions.delete(key);
}

export function cachedMask(segmentationId: number): { updatedAt: string; sparse: SparseMask } | undefined {
  return saved.get(segmentationId);
}
export function cacheMask(segmentationId: number, seriesId: number, updatedAt: string, rle: MaskRle): void {
  saved.set(segmentationId, { updatedAt, seriesId, sparse: sparseFromRle(rle) });
}
/** Forget saved masks of series no longer open. */
export function pruneCache(openSeriesIds: number[]): void {
  for (const [id, entry] of saved) if (!openSeriesIds.includes(entry.seriesId)) saved.delete(id);
}

/** A new editing session: from a saved mask's runs, or empty. */
export function openSession(
  seriesId: number,
  geometry: VolumeGeometry,
  structure: SegmentTarget,
  lesionId: number | null,
  from: { segmentationId: number; sparse: SparseMask } | null,
  defaultAxis: SliceAxis,
): MaskSession {
  const key = sessionKey(seriesId, structure, lesionId);
  const existing = sessions.get(key);
  if (existing) return existing;
  const [nx, ny, nz] = geometry.dims;
  const mask = new Uint8Array(nx * ny * nz);
  let voxelCount = 0;
  if (from) {
    if (from.sparse.length !== mask.length) throw new Error(`the saved mask has ${from.sparse.length} voxels, the series grid ${mask.length}`);
    for (let r = 0; r < from.sparse.starts.length; r++) mask.fill(1, from.sparse.starts[r], from.sparse.ends[r]);
    voxelCount = from.sparse.voxelCount;
  }
  const session: MaskSession = {
    key,
    seriesId,
    structure,
    lesionId,
    geometry,
    mask,
    segmentationId: from?.segmentationId ?? null,
    voxelCount,
    dirty: false,
    lastSliceAxis: defaultAxis,
    undo: [],
    redo: [],
    revision: 0,
    stroke: null,
  };
  sessions.set(key, session);
  return session;
}

export function summarize(s: MaskSession): MaskSessionSummary {
  return {
    key: s.key,
    seriesId: s.seriesId,
    structure: s.structure,
    lesionId: s.lesionId,
    segmentationId: s.segmentationId,
    voxelCount: s.voxelCount,
    volumeMl: (s.voxelCount * voxelVolumeMm3(s.geometry)) / 1000,
    dirty: s.dirty,
  };
}

/** Flat voxel index of every pixel of a slice, image order (x = first in-plane axis). */
function sliceIndexer(dims: Vec3, axis: SliceAxis, slice: number): { count: number; at(p: number): number } {
  const [a, b] = inPlaneAxes(axis);
  const stride = [1, dims[0], dims[0] * dims[1]];
  const width = dims[a];
  const base = slice * stride[axis];
  return { count: dims[a] * dims[b], at: (p) => base + (p % width) * stride[a] + Math.floor(p / width) * stride[b] };
}

/** A new edit: one undo step; what was undone before it can no longer be redone. */
function pushStep(s: MaskSession, step: MaskUndoStep): void {
  s.undo.push(step);
  if (s.undo.length > MASK_UNDO_LIMIT) s.undo.shift();
  s.redo = [];
  s.revision++;
}

/** Forget what could be redone on every mask (the reader made a new edit elsewhere). */
export function clearMaskRedo(): void {
  for (const s of sessions.values()) s.redo = [];
}

export function beginStroke(s: MaskSession, axis: SliceAxis, slice: number): void {
  const ix = sliceIndexer(s.geometry.dims, axis, slice);
  const before = new Uint8Array(ix.count);
  for (let p = 0; p < ix.count; p++) before[p] = s.mask[ix.at(p)];
  s.stroke = { axis, slice, before };
  s.lastSliceAxis = axis;
}

/** Close the stroke; true when it changed anything (one undo step). */
export function endStroke(s: MaskSession): boolean {
  const stroke = s.stroke;
  s.stroke = null;
  if (!stroke) return false;
  const ix = sliceIndexer(s.geometry.dims, stroke.axis, stroke.slice);
  const indices: number[] = [];
  const before: number[] = [];
  for (let p = 0; p < ix.count; p++) {
    const q = ix.at(p);
    if (s.mask[q] !== stroke.before[p]) {
      indices.push(q);
      before.push(stroke.before[p]);
    }
  }
  if (indices.length === 0) return false;
  pushStep(s, { indices: Int32Array.from(indices), before: Uint8Array.from(before) });
  s.dirty = true;
  return true;
}

export interface BrushSettings {
  radiusMm: number;
  mode: 'paint' | 'erase';
  /** Paint only voxels in this HU window (with `volume`). */
  huRange?: HuRange;
  volume?: Int16Array;
}

/** One dab of the brush on the slice normal to `axis` through `centreLps`. Returns voxels changed. */
export function dab(s: MaskSession, centreLps: Vec3, axis: SliceAxis, brush: BrushSettings): number {
  const limited = brush.mode === 'paint' && brush.huRange && brush.volume;
  const changed =
    brush.mode === 'paint'
      ? paintDisk(s.mask, s.geometry, centreLps, brush.radiusMm, axis, 1, limited ? brush.huRange : undefined, limited ? brush.volume : undefined)
      : erase(s.mask, s.geometry, centreLps, brush.radiusMm, axis);
  s.voxelCount += brush.mode === 'paint' ? changed : -changed;
  return changed;
}

/** Dabs along a drag from `fromLps` to `toLps`, close enough to leave no gaps. */
export function stroke(s: MaskSession, fromLps: Vec3, toLps: Vec3, axis: SliceAxis, brush: BrushSettings): number {
  const d = sub(toLps, fromLps);
  const length = norm(d);
  const minSpacing = Math.min(...s.geometry.spacingMm) / 2;
  const step = Math.max(minSpacing, brush.radiusMm / 2);
  const n = Math.max(1, Math.ceil(length / step));
  let changed = 0;
  for (let i = 1; i <= n; i++) changed += dab(s, add(fromLps, scale(d, i / n)), axis, brush);
  return changed;
}

/**
 * Add the region grown from `seedIjk` (3D, 6-connected, seed neighbourhood mean ±
 * `toleranceHu`). Returns the voxels added and whether the size limit stopped it.
 */
export function growRegion(
  s: MaskSession,
  volume: Int16Array,
  seedIjk: Vec3,
  toleranceHu: number,
  maxVoxels: number,
): { added: number; truncated: boolean; huRange: HuRange } {
  const grown = regionGrow(volume, s.geometry, seedIjk, { toleranceHu }, maxVoxels);
  const indices: number[] = [];
  if (grown.box) {
    const [nx, ny] = s.geometry.dims;
    const { min, max } = grown.box;
    for (let k = min[2]; k <= max[2]; k++)
      for (let j = min[1]; j <= max[1]; j++)
        for (let i = min[0]; i <= max[0]; i++) {
          const p = i + j * nx + k * nx * ny;
          if (grown.mask[p] !== 0 && s.mask[p] === 0) {
            s.mask[p] = 1;
            indices.push(p);
          }
        }
  }
  if (indices.length > 0) {
    pushStep(s, { indices: Int32Array.from(indices), before: new Uint8Array(indices.length) });
    s.voxelCount += indices.length;
    s.dirty = true;
  }
  return { added: indices.length, truncated: grown.truncated, huRange: grown.huRange };
}

/** Fill the slices between drawn ones (shape-based, core/segmentation). Returns voxels added. */
export function interpolate(s: MaskSession, axis: SliceAxis = s.lastSliceAxis): number {
  const before = s.mask.slice();
  const added = interpolateSlices(s.mask, s.geometry, axis, 1);
  if (added > 0) {
    const indices = new Int32Array(added);
    let n = 0;
    for (let p = 0; p < s.mask.length && n < added; p++) if (s.mask[p] !== before[p]) indices[n++] = p;
    pushStep(s, { indices, before: new Uint8Array(added) });
    s.voxelCount += added;
    s.dirty = true;
  }
  return added;
}

/** Put a step's voxels back to its values; returns the step that undoes that (their values now). */
function applyStep(s: MaskSession, step: MaskUndoStep): MaskUndoStep {
  const now = new Uint8Array(step.indices.length);
  for (let n = 0; n < step.indices.length; n++) {
    const p = step.indices[n];
    now[n] = s.mask[p];
    const was = s.mask[p] !== 0;
    const becomes = step.before[n] !== 0;
    s.mask[p] = step.before[n];
    if (was && !becomes) s.voxelCount--;
    else if (!was && becomes) s.voxelCount++;
  }
  s.dirty = true;
  s.revision++;
  return { indices: step.indices, before: now };
}

/** Take back the newest edit (it can be redone); false when there is none. */
export function undoMask(s: MaskSession): boolean {
  const step = s.undo.pop();
  if (!step) return false;
  s.redo.push(applyStep(s, step));
  return true;
}

/** Do again the edit taken back last; false when there is none. */
export function redoMask(s: MaskSession): boolean {
  const step = s.redo.pop();
  if (!step) return false;
  s.undo.push(applyStep(s, step));
  return true;
}

export function encodeSession(s: MaskSession): MaskRle {
  return encodeMaskRle(s.mask);
}

export { decodeMaskRle };
