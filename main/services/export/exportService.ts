/**
 * Results that travel: one DICOM SEG per exam with every lesion mask and the liver, on the
 * exam's primary CT (issue 12; SR TID 1500, the report and CSV follow). Reads the registry and
 * the library; writes files only (it owns no table). The lesion's Tracking UID comes from its
 * owner, lesions/lesionStore, so it is the same in every exam's SEG.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import dcmjs from 'dcmjs';
import { invalid, notFound } from '../../../core/api/errors';
import type { Lesion } from '../../../core/api/types';
import { uidFromHashHex } from '../../../core/dicom/uids';
import { getSeriesRow, listInstances, primaryImageSeries, stackSeries } from '../library/catalog';
import { libraryFile } from '../library/importer';
import { getLesion, trackingUidOf } from '../lesions/lesionStore';
import type { Db } from '../registry/db';
import { listSegmentations, readMask } from '../segmentation/segmentationStore';
import { currentReader } from '../session/readerContext';
import { buildSegDataset, encodePart10, type Code, type SegSegmentSpec } from './segExport';

export interface ExportDeps {
  db: Db;
  homeDir: string;
  version: string;
}

export interface SegExportResult {
  file: string;
  studyRowId: number;
  sourceSeriesId: number;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  frames: number;
  segments: { segmentNumber: number; label: string; trackingUid: string; algorithmType: SegSegmentSpec['algorithmType']; voxels: number }[];
}

const SCT = (value: string, meaning: string): Code => ({ value, scheme: 'SCT', meaning });
// CID 7150 (segmentation property categories) and CID 7151/7152 (types).
const MORPHOLOGICALLY_ALTERED = SCT('49755003', 'Morphologically Altered Structure');
const ANATOMICAL_STRUCTURE = SCT('123037004', 'Anatomical Structure');
const LIVER = SCT('10200004', 'Liver');
const LESION_TYPE_CODE: Record<Lesion['lesionType'], Code> = {
  metastasis: SCT('14799000', 'Neoplasm, metastatic'),
  cyst: SCT('367643001', 'Cyst'),
  HCC: SCT('25370001', 'Hepatocellular carcinoma'),
  // No narrower code is asserted for these: the lesion's type travels in the segment label.
  hemangioma: SCT('52988006', 'Lesion'),
  FNH: SCT('52988006', 'Lesion'),
  indeterminate: SCT('52988006', 'Lesion'),
};
const SITE_CODE: Record<Lesion['site'], Code | null> = {
  liver: LIVER,
  'lymph-node': SCT('59441001', 'Lymph node structure'),
  lung: SCT('39607008', 'Lung structure'),
  peritoneum: SCT('15425007', 'Peritoneum'),
  other: null,
};

const { DicomMessage, DicomMetaDictionary } = dcmjs.data as unknown as {
  DicomMessage: { readFile(buffer: ArrayBuffer, opts: { untilTag: string }): { dict: unknown } };
  DicomMetaDictionary: { naturalizeDataset(dict: unknown): Record<string, unknown> };
};

/** The source file's header (up to Pixel Data), naturalized. */
function readHeader(file: string): Record<string, unknown> {
  const b = readFileSync(file);
  const dict = DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, { untilTag: '7FE00010' });
  return DicomMetaDictionary.naturalizeDataset(dict.dict);
}

const newUid = (): string => uidFromHashHex(createHash('sha256').update(`${process.pid}:${Date.now()}:${Math.random()}:${performance.now()}`).digest('hex'));

export class ExportService {
  constructor(private readonly deps: ExportDeps) {}

  private get db(): Db {
    return this.deps.db;
  }

  /** The model that made a mask, when it came from an accepted proposal. */
  private modelOf(segmentationId: number): { name: string; version: string } | null {
    const r = this.db
      .prepare('SELECT r.model_id AS name, r.model_version AS version FROM ai_proposals p JOIN ai_runs r ON r.id = p.run_id WHERE p.segmentation_id = ?')
      .get(segmentationId) as { name: string; version: string } | undefined;
    return r ?? null;
  }

  /**
   * One SEG for an exam: every live lesion mask and the liver on its primary CT. Algorithm type:
   * AUTOMATIC (with the model) for a model's mask nobody edited, SEMIAUTOMATIC for an edited
   * one, MANUAL for the reader's.
   */
  async exportSeg(input: { studyRowId: number; outDir?: string }): Promise<SegExportResult> {
    const studyRowId = Number(input?.studyRowId);
    if (!Number.isInteger(studyRowId)) throw invalid('exportSeg needs { studyRowId }');
    const seriesId = primaryImageSeries(this.db, studyRowId);
    if (seriesId === null) throw notFound(`study ${studyRowId} has no image series to export masks for`);
    const series = getSeriesRow(this.db, seriesId)!;
    if (!series.geometry) throw invalid(`series ${seriesId} has no volume geometry`);
    const instances = listInstances(this.db, seriesId);
    const stack = stackSeries(instances);
    if (!stack) throw invalid(`series ${seriesId} has no image frames`);
    const byId = new Map(instances.map((i) => [i.id, i]));
    const slices = stack.ordered.map((s) => {
      const inst = byId.get(s.instanceId)!;
      return { sopClassUid: inst.sopClassUid, sopInstanceUid: inst.sopInstanceUid, frameNumber: inst.numberOfFrames > 1 ? s.frameIndex + 1 : null };
    });

    const masks = listSegmentations(this.db, { seriesId }).filter((m) => m.voxelCount > 0);
    const segments: SegSegmentSpec[] = [];
    const lesionMasks = masks.filter((m) => m.structure === 'lesion' && m.lesionId !== null);
    const seen = new Set<number>();
    for (const m of lesionMasks) {
      if (seen.has(m.lesionId!)) continue;
      seen.add(m.lesionId!);
      const lesion = getLesion(this.db, m.lesionId!);
      const model = m.source === 'ai' ? this.modelOf(m.id) : null;
      segments.push({
        segmentNumber: segments.length + 1,
        label: lesion.label,
        category: MORPHOLOGICALLY_ALTERED,
        type: LESION_TYPE_CODE[lesion.lesionType],
        ...(SITE_CODE[lesion.site] ? { anatomicRegion: SITE_CODE[lesion.site]! } : {}),
        algorithmType: model ? (m.hasOriginal ? 'SEMIAUTOMATIC' : 'AUTOMATIC') : 'MANUAL',
        ...(model ? { algorithm: model } : {}),
        trackingId: lesion.label,
        trackingUid: trackingUidOf(this.db, lesion.id),
        mask: readMask(this.db, this.deps.homeDir, m.id),
      });
    }
    const liver = masks.find((m) => m.structure === 'liver');
    if (liver) {
      const model = liver.source === 'ai' ? this.modelOf(liver.id) : null;
      segments.push({
        segmentNumber: segments.length + 1,
        label: 'Liver',
        category: ANATOMICAL_STRUCTURE,
        type: LIVER,
        algorithmType: model ? (liver.hasOriginal ? 'SEMIAUTOMATIC' : 'AUTOMATIC') : 'MANUAL',
        ...(model ? { algorithm: model } : {}),
        trackingId: 'Liver',
        // The organ is not followed as a lesion: a UID of this exam's liver mask.
        trackingUid: uidFromHashHex(createHash('sha256').update(`liver:${series.seriesInstanceUid}`).digest('hex')),
        mask: readMask(this.db, this.deps.homeDir, liver.id),
      });
    }
    if (!segments.length) throw invalid(`study ${studyRowId} has no lesion or liver mask on its CT (series ${seriesId}) to export`);

    const header = readHeader(libraryFile(this.deps.homeDir, instances[0].path));
    const seriesInstanceUid = newUid();
    const sopInstanceUid = newUid();
    const dataset = buildSegDataset({ header, seriesInstanceUid: series.seriesInstanceUid, geometry: series.geometry, slices }, segments, {
      seriesInstanceUid,
      sopInstanceUid,
      seriesNumber: 9001,
      seriesDescription: 'Longitude lesion masks',
      contentCreator: currentReader().name,
      softwareVersion: this.deps.version,
      deviceSerialNumber: createHash('sha256').update(hostname()).digest('hex').slice(0, 12),
      now: new Date(),
    });
    const outDir = resolve(input.outDir ?? join(this.deps.homeDir, 'exports'));
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `SEG_${(series.description || 'series').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40)}_study${studyRowId}.dcm`);
    // Written whole or not at all: a temporary name, then a rename.
    writeFileSync(`${file}.part`, encodePart10(dataset));
    renameSync(`${file}.part`, file);
    return {
      file,
      studyRowId,
      sourceSeriesId: seriesId,
      seriesInstanceUid,
      sopInstanceUid,
      frames: (dataset.PerFrameFunctionalGroupsSequence as unknown[]).length,
      segments: segments.map((s) => ({ segmentNumber: s.segmentNumber, label: s.label, trackingUid: s.trackingUid, algorithmType: s.algorithmType, voxels: s.mask.reduce((n, v) => n + (v ? 1 : 0), 0) })),
    };
  }
}
