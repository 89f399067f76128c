/**
 * DICOM in: a TID 1500 report in the library (Longitude's or another system's) becomes lesions
 * and measurements in the registry. A group's Tracking UID is the lesion's identity: a lesion of
 * the patient with that UID receives the measurements, otherwise a new lesion is created and
 * keeps the UID. RECIST diameters drawn on an image of the library (the long axis as the region,
 * the short axis with its own coordinates, as Longitude writes them; or a single length) are
 * placed back in patient LPS millimetres on that image. The masks of the SEGs it refers to are
 * placed on their lesions (by Tracking UID) and the liver, on the CT the SEG was made on. Importing
 * the same report again adds nothing. Lesions and measurements go through the lesions domain's
 * store, masks through the segmentation domain, audited with the reader.
 */
import { readFileSync } from 'node:fs';
import { invalid, notFound } from '../../../core/api/errors';
import type { SegmentationApi } from '../../../core/api/contract';
import type { SrImportResult } from '../../../core/api/domains/export';
import type { Lesion, Vec3 } from '../../../core/api/types';
import { indexToLps } from '../../../core/dicom/geometry';
import { findInstanceBySop, getSeriesRow, listInstances, seriesPatientId, stackSeries } from '../library/catalog';
import type { SegmentMask, SegSegment } from '../dicom/seg/index';
import { activeSignoff, assertSeriesOpen } from '../lesions/signoffStore';
import {
  existingMask,
  isLiverSegment,
  keptMaskReason,
  readSegSeries,
  segInstancesOf,
  segmentName,
  segmentsOnTarget,
  segTargetSeries,
  type SegSeriesSource,
  type SegTargetSeries,
} from '../segmentation/segPlacement';
import { libraryFile } from '../library/importer';
import { addMeasurement, adoptTrackingUid, createLesion, lesionByTrackingUid, listMeasurements } from '../lesions/lesionStore';
import { parseSr, type SrCode, type SrDocument, type SrImageRef, type SrMeasurementGroup } from '../dicom/sr/readSr';
import { transaction } from '../registry/changes';
import type { Db } from '../registry/db';


const TYPE_OF: Record<string, Lesion['lesionType']> = {
  '14799000': 'metastasis',
  '94381002': 'metastasis',
  '367643001': 'cyst',
  '85057007': 'cyst',
  '25370001': 'HCC',
};
const SITE_OF: Record<string, Lesion['site']> = { '10200004': 'liver', '59441001': 'lymph-node', '39607008': 'lung', '15425007': 'peritoneum' };
const LONG_AXIS = '103339001';
/** Finding categories that are anatomy, not disease (SCT 91723000, 123037004). */
const ANATOMY = new Set(['91723000', '123037004']);
const SHORT_AXIS = '103340004';
const isSct = (c: SrCode | null, value: string) => !!c && c.value === value && (c.scheme === 'SCT' || c.scheme === 'SNM3');

/** Where an image of the library lies: its series, slice and grid. */
function locate(db: Db, ref: SrImageRef): { seriesId: number; sliceIndex: number; toLps: (colRow: [number, number]) => Vec3 } | null {
  const inst = findInstanceBySop(db, ref.sopInstanceUid);
  if (!inst) return null;
  const series = getSeriesRow(db, inst.seriesId);
  if (!series?.geometry) return null;
  const stack = stackSeries(listInstances(db, inst.seriesId));
  const sliceIndex = stack?.ordered.findIndex((s) => s.instanceId === inst.id && s.frameIndex === (ref.frameNumber ?? 1) - 1) ?? -1;
  if (sliceIndex < 0) return null;
  const g = series.geometry;
  // SCOORD: (column, row) with 0\0 the top left corner of the top left pixel (PS3.3 C.18.6.1.1).
  return { seriesId: inst.seriesId, sliceIndex, toLps: ([c, r]) => indexToLps(g, [c - 0.5, r - 0.5, sliceIndex]) };
}

const pairs = (points: number[]): [number, number][] => points.reduce<[number, number][]>((out, v, i) => (i % 2 ? (out[out.length - 1].push(v), out) : [...out, [v] as unknown as [number, number]]), []);

function diameterPoints(db: Db, g: SrMeasurementGroup): { seriesId: number; sliceIndex: number; kind: 'length' | 'bidirectional'; points: Vec3[] } | string {
  // RECIST's long axis, or another system's single diameter or length in mm drawn as a polyline.
  const long = g.measurements.find((m) => isSct(m.concept, LONG_AXIS)) ?? g.measurements.find((m) => m.unit?.value === 'mm' && !isSct(m.concept, SHORT_AXIS) && (m.graphic || g.region?.type === 'POLYLINE'));
  const short = g.measurements.find((m) => isSct(m.concept, SHORT_AXIS));
  const longGraphic = g.region?.type === 'POLYLINE' && g.region.points.length === 4 ? g.region : long?.graphic?.type === 'POLYLINE' && long.graphic.points.length === 4 ? long.graphic : null;
  const drawn = g.region ?? long?.graphic ?? null;
  if (long && drawn && !longGraphic) return `its ${long.concept.meaning.toLowerCase()} is drawn as a ${drawn.type.toLowerCase()} of ${drawn.points.length / 2} points, not as a line its ends can be taken from`;
  if (!long || !longGraphic?.image) return 'no diameter with its coordinates on an image';
  const at = locate(db, longGraphic.image);
  if (!at) return `the image it was measured on (${longGraphic.image.sopInstanceUid}) is not in the library`;
  const longPts = pairs(longGraphic.points).map(at.toLps);
  const shortGraphic = short?.graphic?.type === 'POLYLINE' && short.graphic.points.length === 4 ? short.graphic : null;
  if (shortGraphic && (!shortGraphic.image || shortGraphic.image.sopInstanceUid === longGraphic.image.sopInstanceUid))
    return { seriesId: at.seriesId, sliceIndex: at.sliceIndex, kind: 'bidirectional', points: [...longPts, ...pairs(shortGraphic.points).map(at.toLps)] };
  return { seriesId: at.seriesId, sliceIndex: at.sliceIndex, kind: 'length', points: longPts };
}

const samePoints = (a: Vec3[], b: Vec3[]) => a.length === b.length && a.every((p, i) => p.every((v, k) => Math.abs(v - b[i][k]) < 1e-3));

/** The lesion each group of the reports became (groups that are not lesions are absent), with why for those. */
interface GroupOutcome {
  lesionOf: Map<SrMeasurementGroup, Lesion>;
  whyNot: Map<SrMeasurementGroup, string>;
}

const groupName = (g: SrMeasurementGroup) => g.trackingId ?? g.trackingUid ?? 'a group without tracking';
/** Whether a group is taken as a lesion (tracked, with a finding that is not anatomy); importGroups says why not. */
const becomesLesion = (g: SrMeasurementGroup) => !!(g.trackingUid || g.trackingId) && !!g.finding && !(g.findingCategory && ANATOMY.has(g.findingCategory.value));

/** The measurement part of an import, in one transaction: lesions by Tracking UID, diameters placed in LPS. */
function importGroups(db: Db, patientRowId: number, docs: SrDocument[], result: SrImportResult): GroupOutcome {
  const out: GroupOutcome = { lesionOf: new Map(), whyNot: new Map() };
  transaction(db, () => {
    for (const doc of docs) for (const g of doc.groups) {
      const name = groupName(g);
      if (!g.trackingUid && !g.trackingId) {
        result.skipped.push(`a measurement group without a Tracking Identifier or UID (finding ${g.finding?.meaning ?? 'not given'}): no lesion to follow`);
        out.whyNot.set(g, 'its group has no Tracking Identifier or UID');
        continue;
      }
      if (!g.finding) {
        result.skipped.push(`${name}: no finding: not a lesion`);
        out.whyNot.set(g, `its group ${name} names no finding`);
        continue;
      }
      if (g.findingCategory && ANATOMY.has(g.findingCategory.value)) {
        result.skipped.push(`${name}: ${g.finding.meaning} is an anatomical structure, not a lesion`);
        out.whyNot.set(g, `its group ${name} is an anatomical structure (${g.finding.meaning}), not a lesion`);
        continue;
      }
      const placed = diameterPoints(db, g);
      let lesion = g.trackingUid ? lesionByTrackingUid(db, patientRowId, g.trackingUid) : null;
      if (lesion) {
        if (!result.lesionsMatched.includes(lesion.label) && !result.lesionsCreated.includes(lesion.label)) result.lesionsMatched.push(lesion.label);
      } else {
        const role = g.texts['RECIST-ROLE'];
        lesion = createLesion(
          db,
          patientRowId,
          {
            site: (g.findingSite && SITE_OF[g.findingSite.value]) ?? 'other',
            lesionType: (g.finding && TYPE_OF[g.finding.value]) ?? 'indeterminate',
            recistRole: role === 'target' || role === 'new' ? role : 'non-target',
            notes: `From the report ${doc.sopInstanceUid}${g.trackingId ? ` (tracked as "${g.trackingId}")` : ''}`,
          },
          { label: g.trackingId ?? undefined },
        );
        if (g.trackingUid) adoptTrackingUid(db, lesion.id, g.trackingUid);
        result.lesionsCreated.push(lesion.label);
      }
      out.lesionOf.set(g, lesion);
      if (typeof placed === 'string') {
        // A volumetric group carries no diameters: its mask comes with the SEG it references.
        if (!g.referencedSegment) result.skipped.push(`${name}: ${placed}; the lesion is kept without this measurement`);
        continue;
      }
      if (listMeasurements(db, { lesionId: lesion.id, seriesId: placed.seriesId }).some((m) => m.kind === placed.kind && samePoints(m.pointsLps, placed.points))) continue;
      addMeasurement(db, { lesionId: lesion.id, seriesId: placed.seriesId, kind: placed.kind, pointsLps: placed.points, sliceIndex: placed.sliceIndex });
      result.measurements++;
    }
  });
  return out;
}

function readReports(db: Db, homeDir: string, srSeriesId: number): { patientRowId: number; docs: SrDocument[]; result: SrImportResult } {
  const patientRowId = seriesPatientId(db, srSeriesId);
  if (patientRowId === null) throw notFound(`series ${srSeriesId} is not in the library`);
  const files = listInstances(db, srSeriesId).filter((i) => i.sopClassUid.startsWith('1.2.840.10008.5.1.4.1.1.88.'));
  if (!files.length) throw invalid(`series ${srSeriesId} holds no structured report`);
  const result: SrImportResult = { file: files.map((f) => f.path).join(', '), lesionsMatched: [], lesionsCreated: [], measurements: 0, masks: 0, skipped: [] };
  // Every report is read (and refused with its file named) before anything is written.
  const docs = files.map((f) => parseSr(readFileSync(libraryFile(homeDir, f.path)), f.path));
  return { patientRowId, docs, result };
}

/**
 * The measurements of a report (no masks): lesions by Tracking UID and diameters placed in LPS,
 * in one transaction. `importSrReport` does this and places the masks of the SEGs it refers to.
 */
export function importSrMeasurements(db: Db, homeDir: string, srSeriesId: number): SrImportResult {
  const { patientRowId, docs, result } = readReports(db, homeDir, srSeriesId);
  importGroups(db, patientRowId, docs, result);
  return result;
}

/** Where the masks are saved: the segmentation domain (its `importSegSegment`, the owner's way of placing a SEG segment). */
export type MaskPlacer = Pick<SegmentationApi, 'importSegSegment'>;

/** A segment the report's masks come from, on its CT, with what it belongs to. */
interface PlannedSegment {
  source: SegSeriesSource;
  target: SegTargetSeries;
  segment: SegSegment;
  mask: SegmentMask;
  liver: boolean;
  /** The groups that reference this very segment (by SOP Instance UID and segment number). */
  groups: SrMeasurementGroup[];
}

/**
 * The SEGs of the library a report's masks are in: those its volumetric groups reference (a
 * segment of a SEG instance by SOP Instance UID), and the SEGs of the report's study whose
 * segments carry the Tracking UID of one of its groups. Each segment of them is placed on the CT
 * the SEG references, when it is a lesion of the report (by reference, Tracking UID or Tracking
 * ID) or the liver; every other segment, and every segment that cannot be placed, is named.
 */
function planSegments(db: Db, homeDir: string, srSeriesId: number, docs: SrDocument[], skipped: string[]): PlannedSegment[] {
  const groups = docs.flatMap((d) => d.groups);
  const uids = new Set(groups.map((g) => g.trackingUid).filter((u): u is string => !!u));
  const segSeries = new Map<number, SrMeasurementGroup[]>();
  for (const g of groups) {
    const ref = g.referencedSegment;
    if (!ref) continue;
    const inst = findInstanceBySop(db, ref.sopInstanceUid);
    if (!inst) {
      skipped.push(`${groupName(g)}: its mask is segment ${ref.segmentNumber ?? '?'} of a segmentation (${ref.sopInstanceUid}) that is not in the library`);
      continue;
    }
    if (!segInstancesOf(db, inst.seriesId).some((i) => i.sopInstanceUid === ref.sopInstanceUid)) {
      skipped.push(`${groupName(g)}: the segment it refers to is in ${ref.sopInstanceUid}, which is not a DICOM Segmentation`);
      continue;
    }
    segSeries.set(inst.seriesId, [...(segSeries.get(inst.seriesId) ?? []), g]);
  }
  const study = getSeriesRow(db, srSeriesId)?.studyRowId;
  const sameStudy = study === undefined ? [] : (db.prepare('SELECT id FROM series WHERE study_id = ? ORDER BY id').all(study) as { id: number }[]).map((r) => r.id);
  const planned: PlannedSegment[] = [];
  for (const id of [...segSeries.keys(), ...sameStudy.filter((x) => !segSeries.has(x) && segInstancesOf(db, x).length)]) {
    const referenced = segSeries.has(id);
    let source: SegSeriesSource;
    try {
      source = readSegSeries(db, homeDir, id);
    } catch (e) {
      // An unreadable SEG the report refers to is named; one it does not refer to is none of its business.
      if (referenced) skipped.push(`SEG series ${id}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (!referenced && !source.doc.segments.some((s) => s.trackingUid && uids.has(s.trackingUid))) continue;
    const target = segTargetSeries(db, source.doc);
    const onGrid = 'why' in target ? target : segmentsOnTarget(source, target);
    for (const segment of source.doc.segments) {
      const refs = (segSeries.get(id) ?? []).filter((g) => g.referencedSegment!.sopInstanceUid === source.doc.sopInstanceUid && g.referencedSegment!.segmentNumber === segment.segmentNumber);
      const name = `${refs[0] ? `${groupName(refs[0])}: ` : ''}${segmentName(source, segment)}`;
      if ('why' in onGrid) {
        skipped.push(`${name}: ${onGrid.why}`);
        continue;
      }
      const mask = onGrid.masks.get(segment.segmentNumber)!;
      if (mask.voxelCount === 0) {
        skipped.push(`${name}: the segment is empty`);
        continue;
      }
      planned.push({ source, target: target as SegTargetSeries, segment, mask, liver: isLiverSegment(segment), groups: refs });
    }
  }
  return planned;
}

/** The lesion a planned segment belongs to, or why none. */
function lesionOfSegment(db: Db, patientRowId: number, p: PlannedSegment, outcome: GroupOutcome | null, docs: SrDocument[]): Lesion | string {
  for (const g of p.groups) {
    const l = outcome?.lesionOf.get(g) ?? (g.trackingUid ? lesionByTrackingUid(db, patientRowId, g.trackingUid) : null);
    if (l) return l;
  }
  if (p.segment.trackingUid) {
    const l = lesionByTrackingUid(db, patientRowId, p.segment.trackingUid);
    if (l) return l;
  }
  if (p.segment.trackingId) {
    const g = docs.flatMap((d) => d.groups).find((x) => x.trackingId === p.segment.trackingId && (!p.segment.trackingUid || !x.trackingUid || x.trackingUid === p.segment.trackingUid));
    const l = g && (outcome?.lesionOf.get(g) ?? (g.trackingUid ? lesionByTrackingUid(db, patientRowId, g.trackingUid) : null));
    if (l) return l;
  }
  const why = p.groups.map((g) => outcome?.whyNot.get(g)).find((w) => w);
  if (why) return why;
  const tracking = p.segment.trackingUid ? `Tracking UID ${p.segment.trackingUid}` : p.segment.trackingId ? `Tracking ID "${p.segment.trackingId}"` : null;
  return tracking ? `no lesion of the patient and no group of the report has its ${tracking}` : 'it has no Tracking UID or ID, and no group of the report refers to it';
}

/**
 * A report in, whole: its measurements (as `importSrMeasurements`) and the masks of the SEGs it
 * refers to, each segment on its lesion (by reference, Tracking UID or Tracking ID) or as the
 * liver mask, on the CT the SEG was made on, through the segmentation domain (audited with the
 * reader of the call). A segment already placed is not placed again, so a second import changes
 * nothing. On a signed exam nothing is written when anything would change (a conflict naming who
 * signed), checked before the first write.
 */
export async function importSrReport(db: Db, homeDir: string, srSeriesId: number, placer: MaskPlacer | undefined): Promise<SrImportResult> {
  const { patientRowId, docs, result } = readReports(db, homeDir, srSeriesId);
  const planned = placer ? planSegments(db, homeDir, srSeriesId, docs, result.skipped) : [];
  // The sign-off lock, before anything is written: a segment not yet there on a signed exam refuses the import.
  for (const p of planned) {
    if (!activeSignoff(db, p.target.studyRowId)) continue;
    const l = p.liver ? null : lesionOfSegment(db, patientRowId, p, null, docs);
    // No lesion yet: it is placed when a group of the report that names it becomes one.
    const naming = docs.flatMap((d) => d.groups).filter((g) => p.groups.includes(g) || (!!g.trackingUid && g.trackingUid === p.segment.trackingUid) || (!!g.trackingId && g.trackingId === p.segment.trackingId));
    if (typeof l === 'string' && !naming.some(becomesLesion)) continue; // it will be skipped, not placed
    // Already there, or another mask kept in its place: nothing would be written.
    const state = typeof l === 'string' ? 'none' : existingMask(db, homeDir, p.target.seriesId, p.liver ? 'liver' : 'lesion', l?.id ?? null, p.mask).state;
    if (state === 'none') assertSeriesOpen(db, p.target.seriesId, `place the masks of SEG series ${p.source.seriesId}`);
  }
  const outcome = importGroups(db, patientRowId, docs, result);
  for (const p of planned) {
    const name = segmentName(p.source, p.segment);
    const lesion = p.liver ? null : lesionOfSegment(db, patientRowId, p, outcome, docs);
    if (typeof lesion === 'string') {
      result.skipped.push(`${name}: ${lesion}; not placed`);
      continue;
    }
    const structure = p.liver ? 'liver' : 'lesion';
    const existing = existingMask(db, homeDir, p.target.seriesId, structure, lesion?.id ?? null, p.mask);
    if (existing.state === 'same') continue;
    if (existing.state === 'other') {
      result.skipped.push(`${name}: ${keptMaskReason(structure, lesion?.label ?? 'the liver', p.target.seriesId, existing.other!)}`);
      continue;
    }
    await placer!.importSegSegment({ segSeriesId: p.source.seriesId, segmentNumber: p.segment.segmentNumber, targetSeriesId: p.target.seriesId, lesionId: lesion?.id ?? null, structure });
    result.masks++;
  }
  return result;
}
