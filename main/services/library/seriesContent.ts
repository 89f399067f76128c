/**
 * What a series holds, for a reader who opens one that is not an image volume: a structured
 * report (TID 1500: the document, its observers and time point, each measurement group with its
 * tracking, finding, site, diameters, volume and referenced segment) or a DICOM SEG (each segment
 * with its codes, algorithm, tracking, frames, voxels and volume on the CT it references). One
 * implementation for the API (`describeSeriesContent`), the CLI (`series <id>`) and the browser.
 * Reads only.
 */
import { readFileSync } from 'node:fs';
import type { ContentCode, SegContent, SegSegmentContent, SeriesContent, SrContent, SrGroupContent } from '../../../core/api/domains/library';
import { voxelVolumeMm3 } from '../../../core/segmentation';
import { segFrameBits, type CodedConcept, type SegDocument } from '../dicom/seg/index';
import { parseSr, SrReadError, type SrCode, type SrMeasurementGroup } from '../dicom/sr/readSr';
import type { Db } from '../registry/db';
import { readSegSeries, segInstancesOf, segmentsOnTarget, segTargetSeries } from '../segmentation/segPlacement';
import { findInstanceBySop, listInstances, type SeriesRow } from './catalog';
import { libraryFile } from './importer';

const SR_CLASS_PREFIX = '1.2.840.10008.5.1.4.1.1.88.';

const isSct = (c: SrCode | null, ...values: string[]) => !!c && values.includes(c.value) && (c.scheme === 'SCT' || c.scheme === 'SNM3' || c.scheme === 'SRT');
const LONG_AXIS = ['103339001', 'G-A185'];
const SHORT_AXIS = ['103340004', 'G-A186'];
const DIAMETER = ['81827009', 'M-02550'];
const VOLUME = ['118565006', 'G-D705'];
/** mL per unit of a volume as UCUM writes it. */
const ML_PER: Record<string, number> = { ml: 1, mL: 1, cm3: 1, mm3: 0.001, l: 1000, L: 1000 };

function srGroup(db: Db, g: SrMeasurementGroup): SrGroupContent {
  const mm = (m: { unit: SrCode | null }) => m.unit?.value === 'mm';
  const long = g.measurements.find((m) => isSct(m.concept, ...LONG_AXIS) && mm(m)) ?? g.measurements.find((m) => isSct(m.concept, ...DIAMETER) && mm(m));
  const short = g.measurements.find((m) => isSct(m.concept, ...SHORT_AXIS) && mm(m));
  const volume = g.measurements.find((m) => (isSct(m.concept, ...VOLUME) || m.concept.meaning.toLowerCase() === 'volume') && m.unit && ML_PER[m.unit.value] !== undefined);
  const ref = g.referencedSegment;
  return {
    trackingId: g.trackingId,
    trackingUid: g.trackingUid,
    finding: g.finding,
    findingCategory: g.findingCategory,
    findingSite: g.findingSite,
    timePoint: g.timePoint,
    longAxisMm: long?.value ?? null,
    shortAxisMm: short?.value ?? null,
    volumeMl: volume ? volume.value * ML_PER[volume.unit!.value] : null,
    referencedSegment: ref ? { sopInstanceUid: ref.sopInstanceUid, segmentNumber: ref.segmentNumber, seriesId: findInstanceBySop(db, ref.sopInstanceUid)?.seriesId ?? null } : null,
    measurements: g.measurements.map((m) => ({ name: m.concept.meaning, value: m.value, unit: m.unit?.value ?? null, derivation: m.derivation?.meaning ?? null })),
  };
}

function srContent(db: Db, homeDir: string, files: { path: string }[]): SrContent {
  const out: SrContent = { documents: [], problems: [] };
  for (const f of files) {
    try {
      const doc = parseSr(readFileSync(libraryFile(homeDir, f.path)), f.path);
      out.documents.push({
        file: f.path,
        sopInstanceUid: doc.sopInstanceUid,
        title: doc.title,
        templateId: doc.templateId,
        personObservers: doc.personObservers,
        deviceObservers: doc.deviceObservers,
        timePoints: [...new Set(doc.groups.map((g) => g.timePoint).filter((t): t is string => !!t))],
        contentDate: doc.contentDate,
        completionFlag: doc.completionFlag,
        verificationFlag: doc.verificationFlag,
        groups: doc.groups.map((g) => srGroup(db, g)),
      });
    } catch (e) {
      if (!(e instanceof SrReadError)) throw e;
      out.problems.push(e.message);
    }
  }
  return out;
}

const code = (c: CodedConcept | null): ContentCode | null => (c ? { value: c.codeValue, scheme: c.codingSchemeDesignator, meaning: c.codeMeaning } : null);

/** The voxel volume of the SEG's own frames (pixel spacing × the smallest distance between its planes), when it has two planes or more. */
function segFrameVoxelMm3(doc: SegDocument): number | null {
  const f0 = doc.frames[0];
  if (!f0) return null;
  const o = f0.orientation;
  const n = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  const along = [...new Set(doc.frames.map((f) => Math.round((f.positionMm[0] * n[0] + f.positionMm[1] * n[1] + f.positionMm[2] * n[2]) * 1000) / 1000))].sort((a, b) => a - b);
  let step = Infinity;
  for (let i = 1; i < along.length; i++) step = Math.min(step, along[i] - along[i - 1]);
  return Number.isFinite(step) && step > 0 ? f0.pixelSpacingMm[0] * f0.pixelSpacingMm[1] * step : null;
}

function segContent(db: Db, homeDir: string, seriesId: number): SegContent {
  const { file, doc } = readSegSeries(db, homeDir, seriesId);
  const warnings: string[] = [];
  const target = segTargetSeries(db, doc);
  const onGrid = 'why' in target ? null : segmentsOnTarget({ seriesId, file, doc }, target);
  let volumesFrom: SegContent['volumesFrom'] = null;
  let voxelsOf: (n: number) => number;
  let mm3: number | null = null;
  if (onGrid && !('why' in onGrid) && !('why' in target)) {
    // On the CT's grid, as the masks would be placed: the volume a lesion table would show.
    volumesFrom = 'ct';
    mm3 = voxelVolumeMm3(target.geometry);
    warnings.push(...onGrid.warnings);
    voxelsOf = (n) => onGrid.masks.get(n)?.voxelCount ?? 0;
  } else {
    warnings.push(`${onGrid && 'why' in onGrid ? onGrid.why : 'why' in target ? target.why : ''}; voxels are counted in the SEG's frames`);
    const counts = new Map<number, number>();
    const bits = new Uint8Array(doc.rows * doc.columns);
    for (const f of doc.frames) {
      segFrameBits(doc, f.index, bits);
      let c = 0;
      for (let i = 0; i < bits.length; i++) c += bits[i];
      counts.set(f.segmentNumber, (counts.get(f.segmentNumber) ?? 0) + c);
    }
    voxelsOf = (n) => counts.get(n) ?? 0;
    mm3 = segFrameVoxelMm3(doc);
    volumesFrom = mm3 === null ? null : 'seg';
  }
  const segments: SegSegmentContent[] = doc.segments.map((s) => {
    const voxels = voxelsOf(s.segmentNumber);
    return {
      segmentNumber: s.segmentNumber,
      label: s.label,
      category: code(s.category),
      type: code(s.type),
      anatomicRegion: code(s.anatomicRegion),
      algorithmType: s.algorithmType,
      algorithmName: s.algorithmName,
      trackingId: s.trackingId,
      trackingUid: s.trackingUid,
      frames: doc.frames.filter((f) => f.segmentNumber === s.segmentNumber).length,
      voxels,
      volumeMl: mm3 === null ? null : (voxels * mm3) / 1000,
    };
  });
  const referencedSeries = doc.referencedSeriesInstanceUids.map((uid) => {
    const r = db.prepare('SELECT id, description FROM series WHERE series_uid = ?').get(uid) as { id: number; description: string } | undefined;
    return { seriesInstanceUid: uid, seriesId: r?.id ?? null, description: r?.description ?? null };
  });
  return {
    file,
    sopInstanceUid: doc.sopInstanceUid,
    segmentationType: doc.segmentationType,
    rows: doc.rows,
    columns: doc.columns,
    frames: doc.frames.length,
    referencedSeries,
    targetSeriesId: 'why' in target ? null : target.seriesId,
    volumesFrom,
    segments,
    warnings,
  };
}

/** What the series holds. An image series is only named (its geometry is `getSeries`); a report or a SEG is read. */
export function describeSeriesContent(db: Db, homeDir: string, row: SeriesRow): SeriesContent {
  const srFiles = listInstances(db, row.id).filter((i) => i.sopClassUid.startsWith(SR_CLASS_PREFIX));
  const segFiles = segInstancesOf(db, row.id);
  const kind: SeriesContent['kind'] = row.geometry ? 'image' : srFiles.length ? 'sr' : segFiles.length ? 'seg' : 'other';
  return {
    seriesId: row.id,
    modality: row.modality,
    description: row.description,
    kind,
    ...(srFiles.length ? { sr: srContent(db, homeDir, srFiles) } : {}),
    ...(segFiles.length ? { seg: segContent(db, homeDir, row.id) } : {}),
  };
}
