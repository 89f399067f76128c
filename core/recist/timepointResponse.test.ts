import { describe, expect, it } from 'vitest';
import { isPartialResponse, isProgression, nonTargetResponse, overallResponse, targetResponse, type TargetResponseInput } from './timepointResponse';
import type { NonTargetResponse, RecistLesion, TargetContribution, TargetResponse } from './types';

const lesion = (id: string, lymphNode = false): RecistLesion => ({ id, organ: lymphNode ? 'nodes' : 'liver', role: 'target', lymphNode });
const c = (lesionId: string, diameterMm: number | null, kind: TargetContribution['kind'] = 'measured', axis: 'long' | 'short' = 'long'): TargetContribution => ({ lesionId, diameterMm, axis, kind });

function input(baselineSumMm: number, nadirMm: number, contributions: TargetContribution[], targets = contributions.map((x) => lesion(x.lesionId, x.axis === 'short'))): TargetResponseInput {
  const known = contributions.filter((x) => x.diameterMm !== null).reduce((a, x) => a + (x.diameterMm ?? 0), 0);
  return { baselineSumMm, nadirMm, sumMm: contributions.some((x) => x.diameterMm === null) ? null : known, partialSumMm: known, contributions, targets };
}

describe('sum thresholds (RECIST 1.1 §4.3.1)', () => {
  it('PD needs both ≥ 20% and ≥ 5 mm over the nadir', () => {
    expect(isProgression(60, 50)).toBe(true); // +20%, +10 mm
    expect(isProgression(24, 20)).toBe(false); // +20% but only +4 mm
    expect(isProgression(25, 20)).toBe(true); // +25%, +5 mm
    expect(isProgression(105, 100)).toBe(false); // +5 mm but only +5%
    expect(isProgression(119.9, 100)).toBe(false); // +19.9%
    expect(isProgression(120, 100)).toBe(true);
    expect(isProgression(5, 0)).toBe(true); // from a 0 mm nadir only the 5 mm counts
    expect(isProgression(4.9, 0)).toBe(false);
  });
  it('PR needs a ≥ 30% decrease from baseline, exactly 30% included despite float arithmetic', () => {
    expect(isPartialResponse(70, 100)).toBe(true);
    expect(isPartialResponse(70.1, 100)).toBe(false);
    expect(isPartialResponse(23.1, 33)).toBe(true); // 33 × 0.7 = 23.099999999999998 in binary
  });
});

describe('targetResponse', () => {
  it('CR: all non-nodal targets gone, every target node < 10 mm — even with a non-zero sum', () => {
    const r = targetResponse(input(60, 20, [c('L1', 0, 'disappeared'), c('L2', 0, 'merged'), c('N1', 8, 'measured', 'short')]));
    expect(r.response).toBe('CR');
    expect(r.explanation).toMatch(/every target node is < 10 mm short axis \(N1 8 mm\); sum 8 mm/);
  });
  it('not CR when a node is 10 mm, or a non-nodal target is too small to measure', () => {
    expect(targetResponse(input(60, 40, [c('L1', 0, 'disappeared'), c('N1', 10, 'measured', 'short')])).response).toBe('PR');
    expect(targetResponse(input(60, 40, [c('L1', 5, 'too-small'), c('N1', 9, 'measured', 'short')])).response).toBe('PR');
  });
  it('CR wins over the sum rule when only normal-sized nodes grow', () => {
    // Nodes 4 + 4 → 7 + 8 mm: +87.5% and +7 mm over the nadir, but both nodes are normal (< 10 mm).
    expect(targetResponse(input(40, 8, [c('N1', 7, 'measured', 'short'), c('N2', 8, 'measured', 'short')])).response).toBe('CR');
  });
  it('PD: ≥ 20% and ≥ 5 mm over the nadir, even while still below baseline', () => {
    const r = targetResponse(input(100, 40, [c('L1', 30), c('L2', 20)]));
    expect(r.response).toBe('PD');
    expect(r.explanation).toBe('Target PD (RECIST 1.1 §4.3.1): sum 50 mm is +25% and +10 mm over the nadir 40 mm (PD needs ≥ +20% and ≥ +5 mm)');
  });
  it('PR: ≥ 30% below baseline', () => {
    const r = targetResponse(input(100, 100, [c('L1', 40), c('L2', 30)]));
    expect(r).toEqual({ response: 'PR', explanation: 'Target PR (RECIST 1.1 §4.3.1): sum 70 mm is −30% from the baseline 100 mm (PR needs ≤ −30%)' });
  });
  it('PR continues while the sum stays below the PD threshold over the nadir', () => {
    // EORTC FAQ example: 165 mm at baseline, 63 mm, then 65 mm → continued PR.
    expect(targetResponse(input(165, 63, [c('L1', 65)])).response).toBe('PR');
  });
  it('SD otherwise, with both comparisons in the explanation', () => {
    const r = targetResponse(input(100, 80, [c('L1', 50), c('L2', 30), c('N1', 3, 'measured', 'short')]));
    expect(r.response).toBe('SD');
    expect(r.explanation).toBe(
      'Target SD (RECIST 1.1 §4.3.1): sum 83 mm is −17% from the baseline 100 mm (PR needs ≤ −30%) and +3.8% and +3 mm over the nadir 80 mm (PD needs ≥ +20% and ≥ +5 mm)',
    );
  });
  it('NE when a target is not evaluated …', () => {
    const r = targetResponse(input(100, 50, [c('L1', 30), c('L2', null, 'not-evaluated')]));
    expect(r.response).toBe('NE');
    expect(r.explanation).toMatch(/Target NE: L2 not evaluated, and the evaluated targets \(30 mm\) do not reach PD over the nadir 50 mm/);
  });
  it('… unless the evaluated targets alone already meet PD (RECIST 1.1 §4.4.2)', () => {
    // RECIST's own example: baseline 50 mm, two of three lesions measured at 80 mm.
    const r = targetResponse(input(50, 50, [c('L1', 45), c('L2', 35), c('L3', null, 'not-evaluated')]));
    expect(r.response).toBe('PD');
    expect(r.explanation).toMatch(/Target PD although L3 not evaluated: the evaluated targets alone sum to 80 mm, \+60% and \+30 mm over the nadir 50 mm/);
  });
});

describe('nonTargetResponse (RECIST 1.1 §4.3.3)', () => {
  const L5 = { ...lesion('L5'), role: 'non-target' as const };
  const L6 = { ...lesion('L6'), role: 'non-target' as const };
  const N5 = { ...lesion('N5', true), role: 'non-target' as const };
  it('NA without non-target lesions', () => expect(nonTargetResponse([], {}).response).toBe('NA'));
  it('CR when all are absent; a node counts as absent below 10 mm short axis', () => {
    expect(nonTargetResponse([L5, N5], { L5: 'absent', N5: { shortAxisMm: 9 } }).response).toBe('CR');
    expect(nonTargetResponse([L5, N5], { L5: 'absent', N5: { shortAxisMm: 10 } })).toEqual({
      response: 'non-CR/non-PD',
      explanation: 'Non-target non-CR/non-PD (RECIST 1.1 §4.3.3): N5 persists without unequivocal progression',
    });
  });
  it('PD on unequivocal progression, before anything else', () => {
    expect(nonTargetResponse([L5, L6], { L5: 'unequivocal-progression', L6: 'not-evaluated' })).toEqual({
      response: 'PD',
      explanation: 'Non-target PD (RECIST 1.1 §4.3.3): unequivocal progression of L5',
    });
  });
  it('NE when one is not evaluated or has no entry', () => {
    expect(nonTargetResponse([L5, L6], { L5: 'present', L6: 'not-evaluated' }).response).toBe('NE');
    expect(nonTargetResponse([L5, L6], { L5: 'absent' }).explanation).toBe('Non-target NE: L6 not evaluated');
  });
});

describe('overallResponse — RECIST 1.1 Table 1 (target disease at baseline), every row', () => {
  const TARGET: TargetResponse[] = ['CR', 'PR', 'SD', 'PD', 'NE'];
  const NON_TARGET: NonTargetResponse[] = ['CR', 'non-CR/non-PD', 'PD', 'NE', 'NA'];
  const NON_PD: NonTargetResponse[] = ['CR', 'non-CR/non-PD', 'NE', 'NA'];
  it.each([
    ['CR', 'CR', false, 'CR'],
    ['CR', 'NA', false, 'CR'], // no non-target lesions at baseline: nothing left, read as CR
    ['CR', 'non-CR/non-PD', false, 'PR'],
    ['CR', 'NE', false, 'PR'],
  ] as const)('target %s, non-target %s, new %s → %s', (t, nt, nl, expected) => {
    const r = overallResponse(t, nt, nl);
    expect(r.response).toBe(expected);
    expect(r.explanation).toMatch(/^Overall \S+ — RECIST 1.1 Table 1, row target CR/);
  });
  it('PR | non-PD or not all evaluated | no → PR', () => {
    for (const nt of NON_PD) expect(overallResponse('PR', nt, false).response).toBe('PR');
  });
  it('SD | non-PD or not all evaluated | no → SD', () => {
    for (const nt of NON_PD) expect(overallResponse('SD', nt, false).response).toBe('SD');
  });
  it('not all evaluated | non-PD | no → NE', () => {
    for (const nt of NON_PD) expect(overallResponse('NE', nt, false).response).toBe('NE');
  });
  it('PD | any | yes or no → PD', () => {
    for (const nt of NON_TARGET) for (const nl of [false, true]) expect(overallResponse('PD', nt, nl).response).toBe('PD');
  });
  it('any | PD | yes or no → PD', () => {
    for (const t of TARGET) for (const nl of [false, true]) expect(overallResponse(t, 'PD', nl).response).toBe('PD');
    expect(overallResponse('CR', 'PD', false).explanation).toMatch(/row target any \/ non-target PD/);
  });
  it('any | any | yes → PD', () => {
    for (const t of TARGET) for (const nt of NON_TARGET) expect(overallResponse(t, nt, true).response).toBe('PD');
    expect(overallResponse('CR', 'CR', true).explanation).toBe(
      'Overall PD — RECIST 1.1 Table 1, row target any / non-target any / new lesions yes → PD (here: target CR, non-target CR, new lesion(s))',
    );
  });
});

describe('overallResponse — RECIST 1.1 Table 2 (non-target disease only), every row', () => {
  it.each([
    ['CR', false, 'CR'],
    ['non-CR/non-PD', false, 'non-CR/non-PD'],
    ['NE', false, 'NE'],
    ['PD', false, 'PD'],
    ['PD', true, 'PD'],
    ['CR', true, 'PD'],
    ['non-CR/non-PD', true, 'PD'],
    ['NE', true, 'PD'],
  ] as const)('non-target %s, new %s → %s', (nt, nl, expected) => {
    const r = overallResponse('NA', nt, nl);
    expect(r.response).toBe(expected);
    expect(r.explanation).toMatch(/RECIST 1.1 Table 2/);
  });
});
