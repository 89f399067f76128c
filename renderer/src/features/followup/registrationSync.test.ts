import { describe, expect, it } from 'vitest';
import type { RegistrationInfo, Vec3, VolumeGeometry } from '../../../../core/api/types';
import { syncedCursor, IDENTITY_VIEW_TRANSFORM, stepSlice, viewFrame } from '../viewer';
import { indexToLps } from '../../../../core/dicom/geometry';
import { cursorMoveKind, groupLinkFor, sameTransform, visibleInViews } from './registrationSync';

// Baseline (series 10) and follow-up (series 20): the follow-up is the baseline shifted
// 12 mm to the patient's left and 20 mm up (fixed LPS → moving LPS).
const shift = [
  [1, 0, 0, 12],
  [0, 1, 0, 0],
  [0, 0, 1, 20],
  [0, 0, 0, 1],
];
// A second follow-up (series 30): the baseline rotated 90° about the head–feet axis, 5 mm back.
const turned = [
  [0, -1, 0, 0],
  [1, 0, 0, 5],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];

function reg(id: number, fixed: number, moving: number, matrix4x4: number[][], status: RegistrationInfo['status'] = 'current'): RegistrationInfo {
  return {
    id,
    patientRowId: 1,
    fixedSeriesId: fixed,
    movingSeriesId: moving,
    method: 'elastix-affine',
    matrix4x4,
    parameters: {},
    landmarks: null,
    metric: 0.99,
    durationMs: 6000,
    status,
    createdAt: '2026-01-01T00:00:00Z',
    supersededAt: null,
  };
}

const big: VolumeGeometry = { dims: [400, 400, 400], spacingMm: [1, 1, 1], originMm: [-200, -200, -200], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };

describe('which transform links the exams side by side', () => {
  const regs = [reg(1, 10, 20, shift), reg(2, 10, 30, turned)];

  it('baseline opened (group a), follow-up compared (b): the registration as it is stored', () => {
    const link = groupLinkFor(regs, 10, 20);
    expect(link.how).toBe('direct');
    expect(syncedCursor(link.transform, 'aToB', [0, 0, 50], [0, 0, 0], big)).toEqual([12, 0, 70]);
  });

  it('follow-up opened (group a), baseline compared (b): the registration inverted', () => {
    const link = groupLinkFor(regs, 20, 10);
    expect(link.how).toBe('inverse');
    // The follow-up's point [12, 0, 70] is the baseline's [0, 0, 50], both ways across the pair.
    const toBaseline = syncedCursor(link.transform, 'aToB', [12, 0, 70], [0, 0, 0], big);
    toBaseline.forEach((v, i) => expect(v).toBeCloseTo([0, 0, 50][i], 9));
    const back = syncedCursor(link.transform, 'bToA', [0, 0, 50], [0, 0, 0], big);
    back.forEach((v, i) => expect(v).toBeCloseTo([12, 0, 70][i], 9));
  });

  it('two follow-ups of one baseline: through the baseline', () => {
    const link = groupLinkFor(regs, 20, 30);
    expect(link.how).toBe('viaBaseline');
    expect(link.registrations.map((r) => r.id)).toEqual([1, 2]);
    // Follow-up 1 [22, 10, 30] = baseline [10, 10, 10] → follow-up 2 [−10, 15, 10].
    const p = syncedCursor(link.transform, 'aToB', [22, 10, 30], [0, 0, 0], big);
    p.forEach((v, i) => expect(v).toBeCloseTo([-10, 15, 10][i], 9));
  });

  it('superseded registrations are not used; without a current one the exams go by table position', () => {
    expect(groupLinkFor([reg(1, 10, 20, shift, 'superseded')], 10, 20).how).toBe('tablePosition');
    expect(groupLinkFor(regs, 10, null).transform).toEqual({ kind: 'tablePosition' });
    expect(groupLinkFor(regs, 20, 20).how).toBe('tablePosition');
    // The newest current registration of a pair wins.
    const newer = reg(5, 10, 20, turned);
    expect(groupLinkFor([reg(1, 10, 20, shift), newer], 10, 20).registrations[0].id).toBe(5);
  });

  it('two series in one frame of reference are linked as they are, without a registration (as the server maps points)', () => {
    const link = groupLinkFor(regs, 10, 20, { a: '1.2.840.1', b: '1.2.840.1' });
    expect(link.how).toBe('sameFrameOfReference');
    expect(link.registrations).toEqual([]);
    expect(syncedCursor(link.transform, 'aToB', [5, -7, 50], [0, 0, 0], big)).toEqual([5, -7, 50]);
    expect(groupLinkFor(regs, 10, 20, { a: '1.2.840.1', b: '1.2.840.2' }).how).toBe('direct');
  });

  it('compares transforms by value', () => {
    const a = groupLinkFor(regs, 10, 20).transform;
    expect(sameTransform(a, groupLinkFor([reg(9, 10, 20, shift)], 10, 20).transform)).toBe(true);
    expect(sameTransform(a, groupLinkFor(regs, 20, 10).transform)).toBe(false);
    expect(sameTransform({ kind: 'tablePosition' }, { kind: 'tablePosition' })).toBe(true);
  });
});

describe('when the follower is re-centred', () => {
  const ct: VolumeGeometry = { dims: [128, 128, 80], spacingMm: [2.5, 2.5, 2.5], originMm: [-160, -160, -100], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };

  it('tells a scroll (one slice along the view normal) from a chosen point (a click in the plane)', () => {
    const start = indexToLps(ct, [64, 64, 40]);
    expect(cursorMoveKind(ct, start, stepSlice(ct, viewFrame('axial', ct), start, 1))).toBe('scroll');
    expect(cursorMoveKind(ct, start, stepSlice(ct, viewFrame('coronal', ct), start, -3))).toBe('scroll');
    expect(cursorMoveKind(ct, start, [start[0] + 31.2, start[1] - 7.4, start[2]])).toBe('point');
    expect(cursorMoveKind(ct, start, [...start] as Vec3)).toBe('none');
    expect(cursorMoveKind(ct, null, start)).toBe('point');
  });

  it('knows when a place is off the screen of a zoomed view', () => {
    const transforms = { axial: { zoom: 4, panMm: [0, 0] as [number, number] }, coronal: IDENTITY_VIEW_TRANSFORM, sagittal: IDENTITY_VIEW_TRANSFORM };
    const px = { axial: [400, 400] as [number, number], coronal: [400, 400] as [number, number], sagittal: [0, 0] as [number, number] };
    const centre = indexToLps(ct, [63.5, 63.5, 40]);
    expect(visibleInViews(ct, transforms, px, centre)).toBe(true);
    // 100 mm to the patient's right: inside the fitted coronal view, outside the 4× zoomed axial one.
    expect(visibleInViews(ct, transforms, px, [centre[0] - 100, centre[1], centre[2]])).toBe(false);
    expect(visibleInViews(ct, { ...transforms, axial: IDENTITY_VIEW_TRANSFORM }, px, [centre[0] - 100, centre[1], centre[2]])).toBe(true);
  });
});
