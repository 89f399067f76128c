import { describe, expect, it } from 'vitest';
import type { AgreementEntry } from '../../../../core/api/types';
import { agreementByModel, areaPolygon, dailyMeans, dayDomain, dayTicks, rocCurve, tprAt, trapezoidArea } from './modelPlotData';

describe('ROC curve', () => {
  // A classifier that ranks 3 of 4 positives above every negative.
  const roc = [
    { fpr: 0.5, tpr: 1, threshold: 0.3 },
    { fpr: 0, tpr: 0.75, threshold: 0.6 },
    { fpr: 1, tpr: 1, threshold: 0.1 },
    { fpr: 0, tpr: 0.25, threshold: 0.9 },
  ];

  it('runs from (0, 0) to (1, 1) with the false-positive rate rising', () => {
    const c = rocCurve(roc);
    expect(c.map((p) => [p.fpr, p.tpr])).toEqual([
      [0, 0],
      [0, 0.25],
      [0, 0.75],
      [0.5, 1],
      [1, 1],
    ]);
  });

  it('gives the AUC by the trapezoid rule and the partial AUC below a false-positive rate', () => {
    const c = rocCurve(roc);
    // 0.5 × (0.75 + 1) / 2 + 0.5 × 1 = 0.9375
    expect(trapezoidArea(c)).toBeCloseTo(0.9375, 12);
    // Up to FPR 0.2: TPR rises linearly from 0.75 to 0.85 → 0.2 × 0.8 = 0.16.
    expect(tprAt(c, 0.2)).toBeCloseTo(0.85, 12);
    expect(trapezoidArea(c, 0.2)).toBeCloseTo(0.16, 12);
    const poly = areaPolygon(c, 0.2);
    expect(poly[0]).toEqual([0, 0]);
    expect(poly[poly.length - 1]).toEqual([0.2, 0]);
  });

  it('a chance classifier lies on the diagonal: AUC 0.5', () => {
    expect(trapezoidArea(rocCurve([]))).toBe(0.5);
  });
});

describe('agreement over time', () => {
  const e = (id: number, proposalId: number, event: AgreementEntry['event'], dice: number, at: string, modelId = 'liver'): AgreementEntry => ({
    id,
    proposalId,
    segmentationId: proposalId * 10,
    modelId,
    modelVersion: '1.0.0',
    event,
    dice,
    at,
  });
  const entries = [
    e(1, 1, 'accepted', 1, '2025-03-01T10:00:00Z'),
    e(2, 2, 'accepted', 1, '2025-03-01T11:00:00Z'),
    e(3, 2, 'edited', 0.8, '2025-03-01T11:05:00Z'),
    e(4, 2, 'edited', 0.7, '2025-03-03T09:00:00Z'),
    e(5, 3, 'accepted', 1, '2025-03-03T12:00:00Z'),
    e(6, 9, 'accepted', 1, '2025-03-02T12:00:00Z', 'other'),
  ];

  it('takes each proposal’s last Dice as its agreement with the final mask', () => {
    const [liver, other] = agreementByModel(entries);
    expect(liver.modelId).toBe('liver');
    expect(other.modelId).toBe('other');
    expect(liver.points.map((p) => [p.proposalId, p.dice, p.edited])).toEqual([
      [1, 1, false],
      [2, 0.7, true],
      [3, 1, false],
    ]);
    expect(liver.meanDice).toBeCloseTo(0.9, 12);
    expect(liver.minDice).toBe(0.7);
    expect([liver.acceptedAsIs, liver.edited]).toEqual([2, 1]);
    // The list keeps every event, newest first.
    expect(liver.entries.map((x) => x.id)).toEqual([5, 4, 3, 2, 1]);
  });

  it('means per day for the line', () => {
    const [liver] = agreementByModel(entries);
    expect(dailyMeans(liver.points).map((d) => [d.date, d.meanDice, d.n])).toEqual([
      ['2025-03-01', 1, 1],
      ['2025-03-03', 0.85, 2],
    ]);
  });

  it('widens a one-day series to a readable time axis', () => {
    const day = Date.parse('2025-03-01T10:00:00Z') / 86_400_000;
    const domain = dayDomain([day, day]);
    expect(domain[1] - domain[0]).toBeGreaterThanOrEqual(2);
    expect(dayTicks(domain, 5).every((t) => Number.isInteger(t) && t >= domain[0] && t <= domain[1])).toBe(true);
  });
});
