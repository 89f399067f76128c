/**
 * DICOM in: a TID 1500 report in the library (Longitude's or another system's) becomes lesions
 * and measurements in the registry. A group's Tracking UID is the lesion's identity: a lesion of
 * the patient with that UID receives the measurements, otherwise a new lesion is created and
 * keeps the UID. RECIST diameters drawn on an image of the library (the long axis as the region,
 * the short axis with its own coordinates, as Longitude writes them; or a single length) are
 * placed back in patient LPS millimetres on that image. Importing the same report again adds
 * nothing. Everything goes through the lesions domain's store, audited with the reader.
 */
import { readFileSync } from 'node:fs';
import { invalid, notFound } from '../../../core/api/errors';
import type { SrImportResult } from '../../../core/api/domains/export';
import type { Lesion, Vec3 } from '../../../core/api/types';
import { indexToLps } from '../../../core/dicom/geometry';
import { findInstanceBySop, getSeriesRow, listInstances, seriesPatientId, stackSeries } from '../library/catalog';
import { libraryFile } from '../library/importer';
import { addMeasurement, adoptTrackingUid, createLesion, lesionByTrackingUid, listMeasurements } from '../lesions/lesionStore';
import { parseSr, type SrCode, type SrImageRef, type SrMeasurementGroup } from '../dicom/sr/readSr';
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

export function importSrMeasurements(db: Db, homeDir: string, srSeriesId: number): SrImportResult {
  const patientRowId = seriesPatientId(db, srSeriesId);
  if (patientRowId === null) throw notFound(`series ${srSeriesId} is not in the library`);
  const files = listInstances(db, srSeriesId).filter((i) => i.sopClassUid.startsWith('1.2.840.10008.5.1.4.1.1.88.'));
  if (!files.length) throw invalid(`series ${srSeriesId} holds no structured report`);
  const result: SrImportResult = { file: files.map((f) => f.path).join(', '), lesionsMatched: [], lesionsCreated: [], measurements: 0, skipped: [] };
  // Every report is read (and refused with its file named) before anything is written.
  const docs = files.map((f) => parseSr(readFileSync(libraryFile(homeDir, f.path)), f.path));
  transaction(db, () => {
    for (const doc of docs) for (const g of doc.groups) {
      const name = g.trackingId ?? g.trackingUid ?? 'a group without tracking';
      if (!g.trackingUid && !g.trackingId) {
        result.skipped.push(`a measurement group without a Tracking Identifier or UID (finding ${g.finding?.meaning ?? 'not given'}): no lesion to follow`);
        continue;
      }
      if (!g.finding) {
        result.skipped.push(`${name}: no finding: not a lesion`);
        continue;
      }
      if (g.findingCategory && ANATOMY.has(g.findingCategory.value)) {
        result.skipped.push(`${name}: ${g.finding.meaning} is an anatomical structure, not a lesion`);
        continue;
      }
      const placed = diameterPoints(db, g);
      let lesion = g.trackingUid ? lesionByTrackingUid(db, patientRowId, g.trackingUid) : null;
      if (lesion) {
        if (!result.lesionsMatched.includes(lesion.label)) result.lesionsMatched.push(lesion.label);
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
      if (typeof placed === 'string') {
        // A volumetric group carries no diameters: its mask comes with the SEG, placed as a SEG is.
        if (!g.referencedSegment) result.skipped.push(`${name}: ${placed}; the lesion is kept without this measurement`);
        continue;
      }
      if (listMeasurements(db, { lesionId: lesion.id, seriesId: placed.seriesId }).some((m) => m.kind === placed.kind && samePoints(m.pointsLps, placed.points))) continue;
      addMeasurement(db, { lesionId: lesion.id, seriesId: placed.seriesId, kind: placed.kind, pointsLps: placed.points, sliceIndex: placed.sliceIndex });
      result.measurements++;
    }
  });
  return result;
}
