import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFile } from './dicom/decode/index';
import { imageDataset, int16Bytes, writePart10, type DatasetSpec } from '../testing/dicomWriter';
import { createApp, type App } from './app';

const DATA = join(__dirname, '..', '..', '..', 'shared', 'data');
const CT3 = join(DATA, 'dcmqi', 'ct-3slice');
const TOTALSEG = join(DATA, 'totalsegmentator', 'example_ct_dicom');

let service: App;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lng-svc-'));
  service = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 2 });
});
afterAll(async () => {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('opening series', () => {
  it('dcmqi CT: volume statistics match an independent decode of the three files', async () => {
    const report = await service.importPaths([CT3]);
    const id = report.series[0].id;
    const detail = await service.getSeries(id);
    expect(detail.transferSyntaxes).toEqual([{ uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian' }]);
    expect(detail.geometry.spacingMm[2]).toBeCloseTo(1.0, 6);
    const { stats } = await service.volumeStats(id);
    // Known values of these GE slices (min is the outside-FOV padding).
    expect(stats.minHu).toBe(-3024);
    expect(stats.voxelCount).toBe(512 * 512 * 3);
    let sum = 0;
    for (const f of ['01.dcm', '02.dcm', '03.dcm']) for (const v of (await decodeFile(readFileSync(join(CT3, f)))).frames[0]) sum += v;
    expect(stats.meanHu).toBeCloseTo(sum / (512 * 512 * 3), 9);
  });

  it('TotalSegmentator JPEG 2000: chunks arrive from the middle, decode to plausible CT, thumbnail is a PNG', async () => {
    const report = await service.importPaths([TOTALSEG]);
    const id = report.series[0].id;
    const info = await service.openVolume(id);
    expect(info.geometry.dims).toEqual([512, 512, 20]);
    const middle = new Int16Array(await service.getVolumeChunk(id, 8, 4));
    expect(middle.length).toBe(512 * 512 * 4);
    const { stats } = await service.volumeStats(id);
    expect(stats.minHu).toBe(-1024);
    expect(stats.maxHu).toBeGreaterThan(1000);
    const png = new Uint8Array(await service.getThumbnail(id));
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    await expect(service.getVolumeChunk(id, 18, 4)).rejects.toThrow(/outside the volume \(0…19\)/);
  });

  it('Enhanced CT multi-frame: frames sorted by their per-frame positions, per-frame rescale applied', async () => {
    // The three real slices as frames of one Enhanced CT, stored in reverse position order
    // with a different rescale each (PS3.3 C.7.6.16 functional groups).
    const slices: Int16Array[] = [];
    for (const f of ['01.dcm', '02.dcm', '03.dcm']) slices.push((await decodeFile(readFileSync(join(CT3, f)))).frames[0]);
    const ct3Detail = await service.getSeries((await service.importPaths([CT3])).series[0].id);
    const g = ct3Detail.geometry;
    const rescales = [
      { slope: 1, intercept: -1024 },
      { slope: 1, intercept: -2048 },
      { slope: 0.5, intercept: -1024 },
    ];
    const order = [2, 1, 0]; // frame f holds slice order[f]
    const pixels = new Uint8Array(3 * 512 * 512 * 2);
    order.forEach((k, f) => {
      const { slope, intercept } = rescales[f];
      pixels.set(int16Bytes(Int16Array.from(slices[k], (hu) => (hu - intercept) / slope)), f * 512 * 512 * 2);
    });
    const seq = (tag: number, items: DatasetSpec[]) => ({ tag, vr: 'SQ' as const, value: items });
    const perFrame: DatasetSpec[] = order.map((k, f) => [
      seq(0x00209113, [[{ tag: 0x00200032, vr: 'DS', value: [g.originMm[0], g.originMm[1], g.originMm[2] + k * g.spacingMm[2]].join('\\') }]]),
      seq(0x00289145, [
        [
          { tag: 0x00281052, vr: 'DS', value: String(rescales[f].intercept) },
          { tag: 0x00281053, vr: 'DS', value: String(rescales[f].slope) },
        ],
      ]),
    ]);
    const shared: DatasetSpec = [
      seq(0x00209116, [[{ tag: 0x00200037, vr: 'DS', value: '1\\0\\0\\0\\1\\0' }]]),
      seq(0x00289110, [[{ tag: 0x00280030, vr: 'DS', value: `${g.spacingMm[1]}\\${g.spacingMm[0]}` }]]),
    ];
    const file = join(dir, 'enhanced.dcm');
    writeFileSync(
      file,
      writePart10(
        imageDataset({
          rows: 512,
          columns: 512,
          bitsAllocated: 16,
          bitsStored: 16,
          pixelRepresentation: 1,
          sopClassUid: '1.2.840.10008.5.1.4.1.1.2.1',
          numberOfFrames: 3,
          pixelData: pixels,
          extra: [seq(0x52009229, [shared]), seq(0x52009230, perFrame)],
        }),
        '1.2.840.10008.1.2.1',
      ),
    );
    const report = await service.importPaths([file]);
    expect(report).toMatchObject({ imported: 1, skipped: 0 });
    const id = report.series[0].id;
    const detail = await service.getSeries(id);
    expect(detail.sliceCount).toBe(3);
    expect(detail.geometry.spacingMm[2]).toBeCloseTo(1.0, 6);
    expect(detail.geometry.originMm[2]).toBeCloseTo(g.originMm[2], 6);
    const { volume } = await service.volumeStats(id);
    for (let k = 0; k < 3; k++) {
      expect(volume.voxels.subarray(k * 512 * 512, (k + 1) * 512 * 512)).toEqual(slices[k]);
    }
  });

  it('an ellipse ROI on the real CT gets HU statistics from the volume it was drawn on', async () => {
    const report = await service.importPaths([CT3]);
    const seriesId = report.series[0].id;
    const patient = (await service.listPatients()).find((p) => p.patientId === '99000')!;
    const lesion = await service.createLesion(patient.id, { site: 'liver' });
    const g = (await service.getSeries(seriesId)).geometry;
    // A 10 mm circle on the middle slice, centred in the image.
    const c = [g.originMm[0] + 256 * g.spacingMm[0], g.originMm[1] + 256 * g.spacingMm[1], g.originMm[2] + g.spacingMm[2]];
    const m = await service.addMeasurement({
      lesionId: lesion.id,
      seriesId,
      kind: 'ellipse',
      pointsLps: [[c[0] - 5, c[1], c[2]], [c[0] + 5, c[1], c[2]], [c[0], c[1] - 5, c[2]], [c[0], c[1] + 5, c[2]]],
      sliceIndex: 1,
    });
    expect(m.areaMm2).toBeCloseTo(Math.PI * 25, 6);
    expect(m.hu).not.toBeNull();
    // Compare with the voxels inside, computed here from the decoded slice.
    const { volume } = await service.volumeStats(seriesId);
    const values: number[] = [];
    for (let j = 0; j < 512; j++)
      for (let i = 0; i < 512; i++) {
        const dx = g.originMm[0] + i * g.spacingMm[0] - c[0];
        const dy = g.originMm[1] + j * g.spacingMm[1] - c[1];
        if (dx * dx + dy * dy <= 25) values.push(volume.voxels[512 * 512 + j * 512 + i]);
      }
    expect(m.hu!.meanHu).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
  });

  it('dcmqi liver SEG placed on its CT through the registry: 70361.9 mm³, mean 37.3289, SD 59.1691, min −778, max 221', async () => {
    const report = await service.importPaths([join(DATA, 'dcmqi')]);
    const bySop = (modality: string, description?: string) =>
      report.series.find((s) => {
        const row = service.db.prepare('SELECT modality, description FROM series WHERE id = ?').get(s.id) as { modality: string; description: string };
        return row.modality === modality && (description === undefined || row.description === description);
      })!;
    const ct = bySop('CT');
    const seg = bySop('SEG', 'Liver Segmentation');
    const liver = await service.importSegSegment({ segSeriesId: seg.id, segmentNumber: 1, targetSeriesId: ct.id, lesionId: null, structure: 'liver' });
    expect(liver.source).toBe('dicom-seg');
    expect(Math.abs(liver.volumeMl * 1000 - 70361.9) / 70361.9).toBeLessThan(0.001);
    expect(liver.hu!.meanHu).toBeCloseTo(37.3289, 3);
    expect(liver.hu!.sdHu).toBeCloseTo(59.1691, 3);
    expect([liver.hu!.minHu, liver.hu!.maxHu]).toEqual([-778, 221]);
    // The stored mask reads back identical, through the wire form.
    const rle = await service.getSegmentationMask(liver.id);
    expect(rle.length).toBe(512 * 512 * 3);

    // The same segment as a "lesion" mask: auto-bidirectional and volume reach the lesion table.
    const patient = (await service.listPatients()).find((p) => p.patientId === '99000')!;
    // A lesion left unmeasured by an earlier test would (rightly) make the case invalid.
    for (const other of await service.listLesions(patient.id)) await service.deleteLesion(other.id);
    const lesion = await service.createLesion(patient.id, { site: 'liver', recistRole: 'target' });
    const lesionMask = await service.importSegSegment({ segSeriesId: seg.id, segmentNumber: 1, targetSeriesId: ct.id, lesionId: lesion.id, structure: 'lesion' });
    const m = await service.measureFromMask(lesionMask.id);
    expect(m).toMatchObject({ kind: 'bidirectional', source: 'mask' });
    expect(m.longAxisMm!).toBeGreaterThan(m.shortAxisMm!);
    const table = await service.getLesionTable(patient.id);
    const study = table.table.exams.find((e) => e.seriesIds.includes(ct.id))!;
    expect(table.table.cells[lesion.id][study.studyRowId]).toMatchObject({ longAxisMm: m.longAxisMm, volumeMl: lesionMask.volumeMl, status: 'measured' });
    expect(table.table.liverVolumeMl[study.studyRowId]).toBeCloseTo(liver.volumeMl, 9);
    expect(table.assessment.recistErrors).toEqual([]);
    expect(table.assessment.recist!.timepoints[0].sumMm).toBeCloseTo(m.longAxisMm!, 2);
  });
});
