import { describe, expect, it } from 'vitest';
import { monitoringByModel, monitoringFigures, type MonitoringEvent, type MonitoringRunInfo } from './monitoring';

const run = (runId: number, finishedAt: string, modelId = 'liver', modelVersion = '1.0.0', undecided = 0): MonitoringRunInfo => ({
  runId,
  modelId,
  modelVersion,
  seriesId: runId * 10,
  studyDate: '20250301',
  finishedAt,
  undecided,
});

let nextId = 1;
const ev = (runId: number, event: MonitoringEvent['event'], at: string, p: { proposalId?: number; lesionId?: number; dice?: number } = {}): MonitoringEvent => ({
  id: nextId++,
  runId,
  proposalId: p.proposalId ?? null,
  lesionId: p.lesionId ?? null,
  event,
  dice: p.dice ?? null,
  at,
});

describe('monitoring: true and false positives, misses, sensitivity and false positives per exam', () => {
  // Run 1 (finished 1 March): 11 accepted as drawn, 12 accepted then edited (Dice 0.8),
  // 13 rejected, lesion 101 missed → TP 2, FP 1, FN 1.
  // Run 3 (finished 2 March): only lesion 301 missed → TP 0, FP 0, FN 1.
  // Run 2 (finished 5 March): 21 accepted then found not a lesion (→ FP), 22 rejected,
  // 23 accepted then edited (Dice 0.6), lesions 201 and 202 missed (201 logged twice) → TP 1, FP 2, FN 2.
  // Run 4 has no event (never reviewed): not an exam. Model "other", run 5: one rejection.
  const runs = [run(1, '2025-03-01T09:00:00Z'), run(2, '2025-03-05T09:00:00Z', 'liver', '1.1.0', 2), run(3, '2025-03-02T09:00:00Z'), run(4, '2025-03-03T09:00:00Z'), run(5, '2025-03-04T09:00:00Z', 'other')];
  const events = [
    ev(1, 'accepted', '2025-03-01T10:00:00Z', { proposalId: 11, lesionId: 1, dice: 1 }),
    ev(1, 'accepted', '2025-03-01T10:01:00Z', { proposalId: 12, lesionId: 2, dice: 1 }),
    ev(1, 'edited', '2025-03-01T10:05:00Z', { proposalId: 12, lesionId: 2, dice: 0.8 }),
    ev(1, 'rejected', '2025-03-01T10:06:00Z', { proposalId: 13 }),
    ev(1, 'missed', '2025-03-01T10:07:00Z', { lesionId: 101 }),
    ev(3, 'missed', '2025-03-02T10:00:00Z', { lesionId: 301 }),
    ev(2, 'accepted', '2025-03-05T10:00:00Z', { proposalId: 21, lesionId: 5, dice: 1 }),
    ev(2, 'rejected', '2025-03-05T10:01:00Z', { proposalId: 22 }),
    ev(2, 'accepted', '2025-03-05T10:02:00Z', { proposalId: 23, lesionId: 6, dice: 1 }),
    ev(2, 'edited', '2025-03-05T10:03:00Z', { proposalId: 23, lesionId: 6, dice: 0.6 }),
    ev(2, 'missed', '2025-03-05T10:04:00Z', { lesionId: 201 }),
    ev(2, 'missed', '2025-03-05T10:05:00Z', { lesionId: 202 }),
    ev(2, 'missed', '2025-03-05T10:06:00Z', { lesionId: 201 }),
    // Later, at follow-up review: lesion 5 is not a lesion.
    ev(2, 'rejected', '2025-06-01T10:00:00Z', { proposalId: 21, lesionId: 5 }),
    ev(5, 'rejected', '2025-03-04T10:00:00Z', { proposalId: 51 }),
    // An event of a run that is not listed is ignored.
    ev(99, 'rejected', '2025-03-04T10:00:00Z', { proposalId: 991 }),
  ];

  it('per run: TP, FP, FN, sensitivity TP/(TP+FN), false positives, mean Dice of the true positives', () => {
    const [liver, other] = monitoringByModel(runs, events);
    expect(liver.modelId).toBe('liver');
    expect(liver.versions).toEqual(['1.0.0', '1.1.0']);
    // Oldest first by the run's finished time: run 3 (2 March) before run 2 (5 March); run 4 has no event.
    expect(liver.runs.map((r) => r.runId)).toEqual([1, 3, 2]);
    const [r1, r3, r2] = liver.runs;
    expect(r1).toMatchObject({ exams: 1, truePositives: 2, edited: 1, falsePositives: 1, falseNegatives: 1, falsePositivesPerExam: 1, seriesId: 10, studyDate: '20250301' });
    expect(r1.sensitivity).toBeCloseTo(2 / 3, 12);
    expect(r1.meanDice).toBeCloseTo(0.9, 12);
    expect(r3).toMatchObject({ truePositives: 0, falsePositives: 0, falseNegatives: 1, sensitivity: 0, falsePositivesPerExam: 0, meanDice: null });
    expect(r2).toMatchObject({ truePositives: 1, edited: 1, falsePositives: 2, falseNegatives: 2, falsePositivesPerExam: 2, undecided: 2, modelVersion: '1.1.0' });
    expect(r2.sensitivity).toBeCloseTo(1 / 3, 12);
    expect(r2.meanDice).toBeCloseTo(0.6, 12);
    // A run with rejections only has no lesion to find: sensitivity undefined, not 0 or 1.
    expect(other.runs).toHaveLength(1);
    expect(other.totals).toMatchObject({ exams: 1, truePositives: 0, falsePositives: 1, falseNegatives: 0, sensitivity: null, falsePositivesPerExam: 1, meanDice: null });
  });

  it('running totals in time order and totals over the runs, pooled (every lesion counts once)', () => {
    const [liver] = monitoringByModel(runs, events);
    const cum = liver.runs.map((r) => [r.cumulative.exams, r.cumulative.truePositives, r.cumulative.falsePositives, r.cumulative.falseNegatives]);
    expect(cum).toEqual([
      [1, 2, 1, 1],
      [2, 2, 1, 2],
      [3, 3, 3, 4],
    ]);
    expect(liver.runs.map((r) => r.cumulative.sensitivity)).toEqual([2 / 3, 2 / 4, 3 / 7]);
    expect(liver.runs.map((r) => r.cumulative.falsePositivesPerExam)).toEqual([1, 0.5, 1]);
    expect(liver.totals).toEqual(liver.runs[2].cumulative);
    expect(liver.totals.meanDice).toBeCloseTo((1 + 0.8 + 0.6) / 3, 12);
  });

  it('figures are null where undefined, never NaN', () => {
    expect(monitoringFigures({ exams: 0, truePositives: 0, edited: 0, falsePositives: 0, falseNegatives: 0, diceSum: 0 })).toEqual({
      exams: 0,
      truePositives: 0,
      edited: 0,
      falsePositives: 0,
      falseNegatives: 0,
      sensitivity: null,
      falsePositivesPerExam: null,
      meanDice: null,
    });
    expect(monitoringByModel(runs, [])).toEqual([]);
  });
});
