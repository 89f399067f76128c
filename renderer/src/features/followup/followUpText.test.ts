import { describe, expect, it } from 'vitest';
import type { RegistrationInfo } from '../../../../core/api/types';
import { confidenceClass, confidenceText, decidedBy, linkText, lpsShiftText, progressText, registrationSummary } from './followUpText';

const deg = Math.PI / 180;
// 5° about the head–feet axis, then 13 mm back and 7 mm up.
const c = Math.cos(5 * deg);
const s = Math.sin(5 * deg);
const rigid = [
  [c, -s, 0, 0.8],
  [s, c, 0, 13],
  [0, 0, 1, 7],
  [0, 0, 0, 1],
];

const base: RegistrationInfo = {
  id: 1,
  patientRowId: 1,
  fixedSeriesId: 10,
  movingSeriesId: 20,
  method: 'elastix-affine',
  matrix4x4: rigid,
  parameters: {},
  landmarks: null,
  metric: 0.99451,
  durationMs: 5800,
  status: 'current',
  createdAt: '2026-01-01T10:00:00Z',
  supersededAt: null,
};

describe('a registration as the reader checks it', () => {
  it('rotation and translation from the matrix, similarity after elastix', () => {
    const r = registrationSummary(base);
    expect(r.method).toBe('elastix affine');
    expect(r.rotationDeg).toBeCloseTo(5, 6);
    expect(r.translationMm).toEqual([0.8, 13, 7]);
    expect(r.translationLengthMm).toBeCloseTo(14.79, 2);
    expect(r.stretchPct).toBeCloseTo(0, 6);
    expect(r.metricText).toBe('NCC 0.995');
    expect(lpsShiftText(r.translationMm)).toBe('L 0.8 · P 13.0 · S 7.0 mm');
    expect(lpsShiftText([-2, -3.04, -0.5])).toBe('R 2.0 · A 3.0 · I 0.5 mm');
  });

  it('corresponding points: RMS error at the points; elastix warnings are passed on; a singular matrix is flagged', () => {
    const points = registrationSummary({ ...base, method: 'landmarks', metric: 1.24, parameters: { kind: 'rigid', rmsErrorMm: 1.24 }, landmarks: [{ fixedMm: [0, 0, 0], movingMm: [0, 0, 0] }, { fixedMm: [1, 0, 0], movingMm: [1, 0, 0] }, { fixedMm: [0, 1, 0], movingMm: [0, 1, 0] }] });
    expect(points.method).toBe('corresponding points');
    expect(points.metricText).toBe('RMS 1.2 mm at 3 points');
    const warned = registrationSummary({ ...base, parameters: { warnings: ['the registration rotates the follow-up by 24.0°'], rigid: { rotationDeg: 24, translationMm: [1, 2, 3] } } });
    expect(warned.rotationDeg).toBe(24);
    expect(warned.translationMm).toEqual([1, 2, 3]);
    expect(warned.warnings).toEqual(['the registration rotates the follow-up by 24.0°']);
    const flat = registrationSummary({ ...base, matrix4x4: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]] });
    expect(flat.rotationDeg).toBeNaN();
    expect(flat.warnings.join()).toMatch(/singular/);
  });

  it('progress by phase', () => {
    expect(progressText({ phase: 'rigid', state: 'started', fraction: 0.4211 })).toBe('rigid alignment · 42%');
    expect(progressText({ phase: 'done', state: 'done', fraction: 1 })).toBe('done');
  });
});

describe('lesion links in words', () => {
  it('names the kind, and colours confidence against the 60% auto-confirm threshold', () => {
    expect(linkText({ kind: 'match', fromLabel: 'L1', toLabel: 'L10' })).toBe('L1 → L10');
    expect(linkText({ kind: 'split', fromLabel: 'L6', toLabel: 'L14' })).toBe('L6 split → L14');
    expect(linkText({ kind: 'merge', fromLabel: 'L2', toLabel: 'L10' })).toBe('L2 merged into L10');
    expect(confidenceText(0.476)).toBe('48%');
    expect(confidenceText(null)).toBe('—');
    expect([0.01, 0.39, 0.59, 0.6, 0.84, null].map(confidenceClass)).toEqual(['low', 'mid', 'mid', 'high', 'high', 'none']);
    expect(decidedBy({ auto: true, source: 'matching', status: 'confirmed' })).toBe('auto');
    expect(decidedBy({ auto: false, source: 'matching', status: 'confirmed' })).toBe('reviewed');
    expect(decidedBy({ auto: false, source: 'manual', status: 'confirmed' })).toBe('by hand');
  });
});
