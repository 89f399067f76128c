import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../api/types';
import { applyMat4 } from './affine';
import { transformPath, type RegistrationEdge } from './transformPath';

// Baseline (series 10); follow-up 1 (series 20) is the baseline shifted 12 mm to the
// patient's left and 20 mm up; follow-up 2 (series 30) is it turned 90° about the
// head–feet axis and moved 5 mm back (fixed LPS → moving LPS, as stored).
const shift = [
  [1, 0, 0, 12],
  [0, 1, 0, 0],
  [0, 0, 1, 20],
  [0, 0, 0, 1],
];
const turned = [
  [0, -1, 0, 0],
  [1, 0, 0, 5],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];
const reg = (id: number, fixedSeriesId: number, movingSeriesId: number, matrix4x4: number[][], status: RegistrationEdge['status'] = 'current'): RegistrationEdge => ({
  id,
  fixedSeriesId,
  movingSeriesId,
  matrix4x4,
  status,
});
const regs = [reg(1, 10, 20, shift), reg(2, 10, 30, turned)];
const series = (seriesId: number, frameOfReferenceUid: string | null = null) => ({ seriesId, frameOfReferenceUid });
const close = (p: Vec3, q: Vec3) => p.forEach((v, i) => expect(v).toBeCloseTo(q[i], 9));

describe('transformPath', () => {
  it('direct: the baseline to its follow-up is the registration as stored', () => {
    const path = transformPath(regs, series(10), series(20))!;
    expect(path.how).toBe('direct');
    expect(path.registrations.map((r) => r.id)).toEqual([1]);
    expect(applyMat4(path.matrix, [0, 0, 50])).toEqual([12, 0, 70]);
  });

  it('inverse: the follow-up to its baseline inverts it', () => {
    const path = transformPath(regs, series(20), series(10))!;
    expect(path.how).toBe('inverse');
    expect(path.registrations.map((r) => r.id)).toEqual([1]);
    close(applyMat4(path.matrix, [12, 0, 70]), [0, 0, 50]);
  });

  it('via a common baseline: follow-up 1 → baseline → follow-up 2', () => {
    const path = transformPath(regs, series(20), series(30))!;
    expect(path.how).toBe('viaBaseline');
    expect(path.registrations.map((r) => r.id)).toEqual([1, 2]);
    // Follow-up 1 [22, 10, 30] is baseline [10, 10, 10], which is follow-up 2 [−10, 15, 10].
    close(applyMat4(path.matrix, [22, 10, 30]), [-10, 15, 10]);
  });

  it('same frame of reference (or the same series): identity, without a registration, even when one is stored', () => {
    const path = transformPath(regs, series(10, '1.2.3'), series(20, '1.2.3'))!;
    expect(path.how).toBe('sameFrameOfReference');
    expect(path.registrations).toEqual([]);
    expect(applyMat4(path.matrix, [1, 2, 3])).toEqual([1, 2, 3]);
    expect(transformPath(regs, series(20), series(20))).toMatchObject({ how: 'sameSeries', registrations: [] });
    // An empty UID is no frame of reference: the registration is used.
    expect(transformPath(regs, series(10, ''), series(20, ''))!.how).toBe('direct');
    expect(transformPath(regs, series(10, '1.2.3'), series(20, '1.2.4'))!.how).toBe('direct');
  });

  it('uses current registrations only, the newest of a pair, and finds none between unrelated series', () => {
    expect(transformPath([reg(1, 10, 20, shift, 'superseded')], series(10), series(20))).toBeNull();
    expect(transformPath(regs, series(10), series(40))).toBeNull();
    expect(transformPath([reg(1, 10, 20, shift), reg(5, 10, 20, turned)], series(10), series(20))!.registrations[0].id).toBe(5);
  });
});
