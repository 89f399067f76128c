import { describe, expect, it } from 'vitest';
import type { ModelMonitoring } from '../../../../core/api/domains/ai';
import type { AgreementEntry } from '../../../../core/api/types';
import { monitoringByModel } from '../../../../core/metrics/monitoring';
import { agreementByModel, areaPolygon, countMax, countTicks, dailyMeans, dayDomain, dayTicks, eventText, rocCurve, tprAt, trapezoidArea, trendPoints } from './modelPlotData';

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
    runId: 1,
    proposalId,
    segmentationId: proposalId * 10,
    lesionId: proposalId * 100,
    modelId,
    modelVersion: '1.0.0',
    event,
    dice,
    at,
    readerName: 'Dr A. Jones',
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

  it('rejections and misses carry no Dice: listed, not plotted; a model with only those has no mean', () => {
    const errors: AgreementEntry[] = [
      { ...e(7, 4, 'rejected', 0, '2025-03-04T09:00:00Z'), dice: null, lesionId: null },
      { ...e(8, 0, 'missed', 0, '2025-03-04T10:00:00Z'), proposalId: null, segmentationId: null, dice: null, lesionId: 55 },
      { ...e(9, 5, 'rejected', 0, '2025-03-04T11:00:00Z', 'errors-only'), dice: null, lesionId: null },
    ];
    const [errorsOnly, liver] = agreementByModel([...entries, ...errors]);
    expect(liver.points.map((p) => p.proposalId)).toEqual([1, 2, 3]);
    expect(liver.meanDice).toBeCloseTo(0.9, 12);
    expect(liver.entries.slice(0, 2).map((x) => x.event)).toEqual(['missed', 'rejected']);
    expect(errorsOnly).toMatchObject({ modelId: 'errors-only', points: [], meanDice: null, minDice: null });
    expect(errors.map(eventText)).toEqual(['rejected', 'missed', 'rejected']);
    expect(eventText({ event: 'rejected', proposalId: 3, lesionId: 300 })).toBe('not a lesion (later)');
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

describe('errors over time: sensitivity and false positives per exam', () => {
  // Run 1 (1 March): 2 found, 1 rejected, 1 missed. Run 2 (3 March): 1 rejected only.
  // Run 3 (5 March): 1 found, 2 missed.
  let id = 1;
  const ev = (runId: number, event: AgreementEntry['event'], at: string, proposalId: number | null, lesionId: number | null = null) => ({
    id: id++,
    runId,
    proposalId,
    lesionId,
    event,
    dice: event === 'accepted' ? 1 : null,
    at,
  });
  const runInfo = (runId: number, finishedAt: string) => ({ runId, modelId: 'liver', modelVersion: '1', seriesId: runId, studyDate: null, finishedAt, undecided: 0 });
  const [model]: ModelMonitoring[] = monitoringByModel(
    [runInfo(1, '2025-03-01T09:00:00Z'), runInfo(2, '2025-03-03T09:00:00Z'), runInfo(3, '2025-03-05T09:00:00Z')],
    [
      ev(1, 'accepted', '2025-03-01T10:00:00Z', 11, 1),
      ev(1, 'accepted', '2025-03-01T10:00:00Z', 12, 2),
      ev(1, 'rejected', '2025-03-01T10:00:00Z', 13),
      ev(1, 'missed', '2025-03-01T10:00:00Z', null, 3),
      ev(2, 'rejected', '2025-03-03T10:00:00Z', 21),
      ev(3, 'accepted', '2025-03-05T10:00:00Z', 31, 4),
      ev(3, 'missed', '2025-03-05T10:00:00Z', null, 5),
      ev(3, 'missed', '2025-03-05T10:00:00Z', null, 6),
    ],
  );

  it('one point per run: its own value and the running value (pooled) for the line', () => {
    const sens = trendPoints(model, 'sensitivity');
    expect(sens.map((p) => [p.runId, p.value, p.cumulative])).toEqual([
      [1, 2 / 3, 2 / 3],
      // No lesion in run 2: its own sensitivity is undefined; the running value stays.
      [2, null, 2 / 3],
      [3, 1 / 3, 3 / 6],
    ]);
    expect(sens[2].detail).toBe('1 found of 3 (2 missed)');
    const fp = trendPoints(model, 'falsePositivesPerExam');
    expect(fp.map((p) => [p.value, p.cumulative])).toEqual([
      [1, 1],
      [1, 1],
      [0, 2 / 3],
    ]);
    expect(fp[0].day).toBeCloseTo(Date.parse('2025-03-01T09:00:00Z') / 86_400_000, 12);
  });

  it('a count axis is whole numbers from 0, at least up to 1', () => {
    expect(countMax([0, null, 0])).toBe(1);
    expect(countMax([2.4, 1])).toBe(3);
    expect(countTicks(3)).toEqual([0, 1, 2, 3]);
    expect(countTicks(10, 5)).toEqual([0, 3, 6, 9]);
  });
});
