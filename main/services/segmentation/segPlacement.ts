/**
 * Placing the segments of a DICOM SEG series of the library on the CT it was made on, as masks:
 * which SEGs, which CT, which segment is the liver or a lesion, and whether a segment is already
 * there. Shared by the SR import (masks of a report's volumetric groups, export/srImport.ts) and
 * the segmentation domain's `importSegMasks` ("Place on CT"). Nothing here writes: masks are
 * saved through the segmentation domain (`importSegSegment`), lesions through lesions/lesionStore.
 *
 * A segment is placed only where nothing is: when the lesion (or the series, for the liver)
 * already has the very same mask, it is already placed and nothing changes (an import run twice
 * changes nothing); when it has another mask, that mask is kept and the segment is skipped with why.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { invalid } from '../../../core/api/errors';
import type { Lesion, Segmentation, VolumeGeometry } from '../../../core/api/types';
import { uidFromHashHex } from '../../../core/dicom/uids';
import { parseSeg, SEGMENTATION_STORAGE, segMasksOnGrid, SegReadError, type CodedConcept, type SegDocument, type SegmentMask, type SegSegment } from '../dicom/seg/index';
import { findInstanceBySop, getSeriesRow, listInstances, stackSeries } from '../library/catalog';
import { libraryFile } from '../library/importer';
import type { Db } from '../registry/db';
import { listSegmentations, readMask } from './segmentationStore';

export interface SegSeriesSource {
  seriesId: number;
  /** The SEG's file in the library (relative to home). */
  file: string;
  doc: SegDocument;
}

export interface SegTargetSeries {
  seriesId: number;
  studyRowId: number;
  geometry: VolumeGeometry;
  frameOfReferenceUid: string;
  seriesInstanceUid: string;
}

/** The DICOM Segmentation instances of a series (their library paths). */
export function segInstancesOf(db: Db, seriesId: number): { path: string; sopInstanceUid: string }[] {
  return listInstances(db, seriesId)
    .filter((i) => i.sopClassUid === SEGMENTATION_STORAGE)
    .map((i) => ({ path: i.path, sopInstanceUid: i.sopInstanceUid }));
}

/** Read the SEG of a series (its first Segmentation instance). Throws `invalid` when it holds none, SegReadError when it cannot be read. */
export function readSegSeries(db: Db, homeDir: string, seriesId: number): SegSeriesSource {
  const file = segInstancesOf(db, seriesId)[0];
  if (!file) throw invalid(`series ${seriesId} holds no DICOM Segmentation`);
  return { seriesId, file: file.path, doc: parseSeg(readFileSync(libraryFile(homeDir, file.path)), file.path) };
}

/** The image series of the library a SEG was made on: the series it references, else the series of the images its frames were derived from. */
export function segTargetSeries(db: Db, doc: SegDocument): SegTargetSeries | { why: string } {
  const ids: number[] = [];
  for (const uid of doc.referencedSeriesInstanceUids) {
    const r = db.prepare('SELECT id FROM series WHERE series_uid = ?').get(uid) as { id: number } | undefined;
    if (r) ids.push(r.id);
  }
  if (!ids.length)
    for (const uid of new Set(doc.frames.flatMap((f) => f.sourceSopInstanceUids))) {
      const inst = findInstanceBySop(db, uid);
      if (inst && !ids.includes(inst.seriesId)) ids.push(inst.seriesId);
    }
  for (const id of ids) {
    const row = getSeriesRow(db, id);
    const stack = row ? stackSeries(listInstances(db, id)) : null;
    if (row && stack) return { seriesId: id, studyRowId: row.studyRowId, geometry: stack.geometry, frameOfReferenceUid: row.frameOfReferenceUid, seriesInstanceUid: row.seriesInstanceUid };
  }
  const named = doc.referencedSeriesInstanceUids.length ? `series ${doc.referencedSeriesInstanceUids.join(', ')}` : 'the images its frames name';
  return { why: ids.length ? `the series it was made on (${named}) has no image volume in the library` : `the images it was made on (${named}) are not in the library` };
}

/** Every segment of the SEG on the target's grid, or why that is not possible (the SEG's error, with its hint). */
export function segmentsOnTarget(source: SegSeriesSource, target: SegTargetSeries): { masks: Map<number, SegmentMask>; warnings: string[] } | { why: string } {
  try {
    const placed = segMasksOnGrid(source.doc, { geometry: target.geometry, frameOfReferenceUid: target.frameOfReferenceUid || undefined, seriesInstanceUid: target.seriesInstanceUid });
    return { masks: new Map(placed.segments.map((s) => [s.segment.segmentNumber, s])), warnings: placed.warnings };
  } catch (e) {
    if (e instanceof SegReadError) return { why: `it cannot be placed on series ${target.seriesId}: ${e.reason}` };
    throw e;
  }
}

const is = (c: CodedConcept | null, ...codes: [string, string][]) => !!c && codes.some(([v, s]) => c.codeValue === v && c.codingSchemeDesignator === s);

/** The liver (SCT 10200004; SRT T-62000 in older writers such as dcmqi's examples) as the segmented property type. */
export const isLiverSegment = (s: SegSegment): boolean => is(s.type, ['10200004', 'SCT'], ['10200004', 'SNM3'], ['T-62000', 'SRT']);

/** Category "Anatomical structure" (CID 7150): an organ, not a lesion. */
export const isAnatomySegment = (s: SegSegment): boolean => is(s.category, ['123037004', 'SCT'], ['91723000', 'SCT'], ['T-D000A', 'SRT']);

/** Category "Morphologically altered (abnormal) structure": a lesion. */
export const isLesionSegment = (s: SegSegment): boolean => is(s.category, ['49755003', 'SCT'], ['M-01000', 'SRT']);

/** How a segment is named in what a reader reads ("segment 2 "L1" of SEG series 14"). */
export const segmentName = (source: SegSeriesSource, s: SegSegment): string => `segment ${s.segmentNumber} "${s.label}" of SEG series ${source.seriesId}`;

/** The Tracking UID a segment is followed by: its own, or (a writer that gives none) one derived from the SEG instance and the segment number, stable across imports. */
export function segmentTrackingUid(doc: SegDocument, s: SegSegment): string {
  return s.trackingUid ?? uidFromHashHex(createHash('sha256').update(`seg-segment:${doc.sopInstanceUid}:${s.segmentNumber}`).digest('hex'));
}

const TYPE_OF: Record<string, Lesion['lesionType']> = { '14799000': 'metastasis', '94381002': 'metastasis', '367643001': 'cyst', '85057007': 'cyst', '25370001': 'HCC' };
const SITE_OF: Record<string, Lesion['site']> = { '10200004': 'liver', 'T-62000': 'liver', '59441001': 'lymph-node', '39607008': 'lung', '15425007': 'peritoneum' };

/** Lesion fields a segment states (type from the segmented property type, site from the anatomic region). */
export function lesionFieldsOfSegment(s: SegSegment): { site: Lesion['site']; lesionType: Lesion['lesionType'] } {
  return { site: (s.anatomicRegion && SITE_OF[s.anatomicRegion.codeValue]) ?? 'other', lesionType: (s.type && TYPE_OF[s.type.codeValue]) ?? 'indeterminate' };
}

function sameMask(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if ((a[i] !== 0) !== (b[i] !== 0)) return false;
  return true;
}

/**
 * Whether the mask is already there: `same` when the lesion (for the liver: the series) already
 * has exactly this mask on the series, `other` when it has a different one, else `none`.
 */
export function existingMask(db: Db, homeDir: string, targetSeriesId: number, structure: Segmentation['structure'], lesionId: number | null, mask: SegmentMask): { state: 'same' | 'other' | 'none'; other?: Segmentation } {
  const live = listSegmentations(db, { seriesId: targetSeriesId, ...(lesionId !== null ? { lesionId } : {}) }).filter((s) => s.structure === structure && (structure === 'liver' || s.lesionId === lesionId));
  if (!live.length) return { state: 'none' };
  const same = live.find((s) => s.voxelCount === mask.voxelCount && sameMask(readMask(db, homeDir, s.id), mask.mask));
  return same ? { state: 'same' } : { state: 'other', other: live[0] };
}

/** Why an existing, different mask keeps its place. */
export function keptMaskReason(structure: Segmentation['structure'], label: string, targetSeriesId: number, other: Segmentation): string {
  return structure === 'liver'
    ? `series ${targetSeriesId} already has a different liver mask (segmentation ${other.id}); it is kept`
    : `${label} already has a different mask on series ${targetSeriesId} (segmentation ${other.id}); it is kept`;
}
