/**
 * The mask toolkit against the synthetic phantom's ground truth (tools/phantom): lesion
 * label maps measured by autoBidirectional and maskVolumeMl, and cysts segmented from
 * the image by regionGrow. The phantom imports node:crypto; only this test, not core,
 * depends on it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { lpsToIndex } from '../dicom/geometry';
import { generatePatient, type GeneratedTimepoint, type LesionSummary, type LesionTruth } from '../../tools/phantom';
import { autoBidirectional } from './bidirectional';
import { connectedComponents3d } from './components';
import { maskHuStats, maskVolumeMl } from './mask';
import { regionGrow } from './paint';

interface Case {
  tp: GeneratedTimepoint;
  lesion: LesionTruth;
  summary: LesionSummary;
  mask: Uint8Array;
}

// 1.48 mm pixels and 1.5 mm slices: at 2 mm voxels the phantom's own label maps of
// 11–14 mm lesions differ from 4/3·π·abc by up to 9 % (digitisation), which would hide
// what this test checks.
const OPTIONS = { size: 256, slices: 100, sliceMm: 1.5, timepoints: 2 } as const;
let cases: Case[] = [];

beforeAll(() => {
  cases = [];
  for (const seed of [3, 7]) {
    const patient = generatePatient({ seed, ...OPTIONS });
    for (const tp of patient.timepoints) {
      for (const lesion of tp.truth.lesions) {
        const summary = patient.truth.lesions.find((l) => l.id === lesion.id)!;
        const mask = new Uint8Array(tp.labels.length);
        for (let p = 0; p < mask.length; p++) if (tp.labels[p] === lesion.labelValue) mask[p] = 1;
        cases.push({ tp, lesion, summary, mask });
      }
    }
  }
});

describe('phantom lesions (2 patients × 2 exams)', () => {
  it('has enough lesions to mean something', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it('autoBidirectional: the long axis is within one voxel diagonal of the truth on every lesion', () => {
    const errorsMm: number[] = [];
    for (const { tp, lesion, mask } of cases) {
      const g = tp.geometry;
      const diagMm = Math.hypot(g.spacingMm[0], g.spacingMm[1]);
      const r = autoBidirectional(mask, g)!;
      expect(Math.abs(r.longAxisMm - lesion.axialLongAxisMm), `${lesion.id}`).toBeLessThanOrEqual(diagMm);
      // Centre-to-centre and on voxel slices: it reads short, never long, beyond rounding.
      expect(r.longAxisMm).toBeLessThanOrEqual(lesion.axialLongAxisMm + 0.25 * diagMm);
      // The short axis (RECIST's, on the same slice) within 1.25 voxel diagonals of the
      // truth's largest axial section: one voxel for centre-to-centre, the rest digitisation.
      expect(Math.abs(r.shortAxisMm - lesion.axialShortAxisMm), `${lesion.id} short`).toBeLessThanOrEqual(1.25 * diagMm);
      expect(r.shortAxisMm).toBeLessThanOrEqual(r.longAxisMm);
      errorsMm.push(r.longAxisMm - lesion.axialLongAxisMm);
    }
    // On average a bit under one pixel short (voxel centres, not edges).
    const meanMm = errorsMm.reduce((a, b) => a + b, 0) / errorsMm.length;
    expect(meanMm).toBeLessThan(0);
    expect(meanMm).toBeGreaterThan(-cases[0].tp.geometry.spacingMm[0]);
  });

  it('maskVolumeMl: the truth voxel volume exactly, and within 3 % of 4/3·π·abc for lesions ≥ 10 mm', () => {
    let checked = 0;
    for (const { tp, lesion, mask } of cases) {
      const ml = maskVolumeMl(mask, tp.geometry);
      expect(ml).toBeCloseTo(lesion.voxelizedVolumeMl, 3);
      if (lesion.longestDiameterMm < 10) continue;
      checked++;
      expect(Math.abs(ml - lesion.analyticVolumeMl) / lesion.analyticVolumeMl, `${lesion.id}`).toBeLessThan(0.03);
    }
    expect(checked).toBeGreaterThanOrEqual(25);
  });

  it('each lesion label is one 26-connected component centred on the truth centre', () => {
    for (const { tp, lesion, mask } of cases) {
      const { components } = connectedComponents3d(mask, tp.geometry);
      expect(components.length, lesion.id).toBe(1);
      const c = components[0].centroidLps;
      expect(Math.hypot(c[0] - lesion.centreMm[0], c[1] - lesion.centreMm[1], c[2] - lesion.centreMm[2])).toBeLessThan(1);
    }
  });

  it('regionGrow from the centre of each cyst, inside the liver, recovers its volume and HU', () => {
    const cysts = cases.filter((c) => c.lesion.type === 'cyst');
    expect(cysts.length).toBeGreaterThanOrEqual(2);
    for (const { tp, lesion, summary, mask } of cysts) {
      const liverAndLesions = new Uint8Array(tp.labels.length);
      for (let p = 0; p < liverAndLesions.length; p++) if (tp.labels[p] > 0) liverAndLesions[p] = 1;
      const seed = lpsToIndex(tp.geometry, lesion.centreMm);
      // Halfway between cyst (0–10 HU) and enhancing liver (~100 HU).
      const grown = regionGrow(tp.volume, tp.geometry, seed, { minHu: -200, maxHu: tp.truth.liverHu / 2 }, 1_000_000, liverAndLesions);
      expect(grown.truncated).toBe(false);
      const ml = maskVolumeMl(grown.mask, tp.geometry);
      expect(Math.abs(ml - lesion.analyticVolumeMl) / lesion.analyticVolumeMl, lesion.id).toBeLessThan(0.05);
      let both = 0;
      for (let p = 0; p < mask.length; p++) if (mask[p] && grown.mask[p]) both++;
      expect((2 * both) / (grown.voxelCount + lesion.voxelCount), `${lesion.id} Dice`).toBeGreaterThan(0.95);
      // Mean HU of the cyst near its core value; the image noise is 12 HU SD.
      expect(Math.abs(maskHuStats(tp.volume, grown.mask).meanHu - summary.coreHu)).toBeLessThan(10);
    }
  });
});
