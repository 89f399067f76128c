import { describe, expect, it } from 'vitest';
import type { SegSegmentContent, SrGroupContent } from '../../../../core/api/domains/library';
import { formatMl, groupLines, hasImages, placeholderLabel, placementSummary, segmentLines } from './seriesContentText';

const group = (over: Partial<SrGroupContent> = {}): SrGroupContent => ({
  trackingId: 'L1',
  trackingUid: '2.25.1',
  finding: { value: '14799000', scheme: 'SCT', meaning: 'Neoplasm, metastatic' },
  findingCategory: null,
  findingSite: { value: '10200004', scheme: 'SCT', meaning: 'Liver' },
  timePoint: 'baseline',
  longAxisMm: 23.44,
  shortAxisMm: 12.06,
  volumeMl: null,
  referencedSegment: null,
  measurements: [],
  ...over,
});

describe('series without images in the browser', () => {
  it('asks no thumbnail for a report or a segmentation (no slices), and labels them by modality', () => {
    expect(hasImages({ sliceCount: 0 })).toBe(false);
    expect(hasImages({ sliceCount: 48 })).toBe(true);
    expect(placeholderLabel({ modality: 'SR' })).toBe('SR');
    expect(placeholderLabel({ modality: 'SEG' })).toBe('SEG');
    expect(placeholderLabel({ modality: '' })).toBe('no images');
  });

  it('words a measurement group: tracking, finding and site, then diameters, volume and its segment', () => {
    expect(groupLines(group())).toEqual({ title: 'L1 · Neoplasm, metastatic · Liver', detail: 'long 23.4 mm · short 12.1 mm' });
    expect(groupLines(group({ longAxisMm: null, shortAxisMm: null, volumeMl: 4.213, referencedSegment: { sopInstanceUid: '1.2', segmentNumber: 2, seriesId: null } })).detail).toBe(
      '4.21 mL · segment 2 (SEG not in the library)',
    );
    // Another system's numbers (SUV, …) when there is no diameter or volume.
    expect(groupLines(group({ longAxisMm: null, shortAxisMm: null, measurements: [{ name: 'SUVbw', value: 6.01529, unit: '{SUVbw}g/ml', derivation: 'Mean' }] })).detail).toBe('SUVbw 6.015 {SUVbw}g/ml');
    expect(groupLines(group({ trackingId: null, finding: null, findingSite: null, longAxisMm: null, shortAxisMm: null })).title).toBe('untracked');
  });

  it('words a segment and the volume', () => {
    const s: SegSegmentContent = {
      segmentNumber: 1,
      label: 'Liver',
      category: null,
      type: { value: 'T-62000', scheme: 'SRT', meaning: 'Liver' },
      anatomicRegion: null,
      algorithmType: 'SEMIAUTOMATIC',
      algorithmName: 'SlicerEditor',
      trackingId: null,
      trackingUid: null,
      frames: 3,
      voxels: 107098,
      volumeMl: 70.3619,
    };
    expect(segmentLines(s)).toEqual({ title: '1 Liver', detail: 'SEMIAUTOMATIC · 3 frames · 70.4 mL' });
    expect(segmentLines({ ...s, label: 'L2', type: { value: '14799000', scheme: 'SCT', meaning: 'Neoplasm, metastatic' }, trackingId: 'L2', frames: 1, volumeMl: null }).detail).toBe('SEMIAUTOMATIC · 1 frame · —');
    expect(formatMl(0.19)).toBe('0.19 mL');
  });

  it('says what placing a SEG on its CT did', () => {
    const base = { segSeriesId: 3, targetSeriesId: 1, masks: 0, lesionsMatched: [], lesionsCreated: [], skipped: [] };
    expect(placementSummary({ ...base, masks: 3, lesionsCreated: ['L1', 'L2'] })).toBe('3 masks placed; new lesions L1, L2.');
    expect(placementSummary({ ...base, lesionsMatched: ['L1'], skipped: ['…'] })).toBe('every mask was already placed; on L1; 1 segment skipped.');
    expect(placementSummary({ ...base, targetSeriesId: null, skipped: ['…'] })).toBe('Not placed: the CT it was made on is not in the library.');
  });
});
