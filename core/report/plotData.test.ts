import { describe, expect, it } from 'vitest';
import type { Lesion, LesionCell, LesionTable, LesionTableData } from '../api/types';
import {
  niceTicks,
  pointsAttribute,
  recistDiameterMm,
  spiderLines,
  spreadLabels,
  thinTicks,
  volumeLines,
  waterfallBars,
  waterfallCategory,
} from './plotData';

function lesion(id: number, label: string, patch: Partial<Lesion> = {}): Lesion {
  return {
    id,
    patientRowId: 1,
    label,
    site: 'liver',
    couinaudSegment: null,
    nodeStation: null,
    recistRole: 'target',
    lymphNode: false,
    lesionType: 'metastasis',
    referenceStandard: null,
    notes: '',
    createdAt: '',
    ...patch,
  };
}

function cell(patch: Partial<LesionCell> = {}): LesionCell {
  return { measurementId: null, seriesId: null, longAxisMm: null, shortAxisMm: null, volumeMl: null, status: null, measurementCount: patch.measurementId ? 1 : 0, recordChosenBy: patch.measurementId ? 'default' : null, ...patch };
}

const measured = (longAxisMm: number, shortAxisMm: number, volumeMl: number | null = null) => cell({ longAxisMm, shortAxisMm, volumeMl, status: 'measured', measurementId: 1 });

/**
 * Three exams given out of date order (the plots must sort them): a liver metastasis that
 * shrinks 40 → 26 → 20 mm, a node followed by its short axis 15 → 9 mm then too small,
 * a target that disappears, and a non-target with a volume only.
 */
function table(): LesionTableData {
  return {
    patientRowId: 1,
    exams: [
      { studyRowId: 12, date: '2024-04-01', description: 'FU1', seriesIds: [22] },
      { studyRowId: 11, date: '2024-01-02', description: 'BL', seriesIds: [21] },
      { studyRowId: 13, date: '2024-07-01', description: 'FU2', seriesIds: [23] },
      { studyRowId: 14, date: null, description: 'undated', seriesIds: [24] },
    ],
    lesions: [
      lesion(1, 'L1'),
      lesion(2, 'L2', { site: 'lymph-node', lymphNode: true }),
      lesion(3, 'L3'),
      lesion(4, 'L4', { recistRole: 'non-target' }),
    ],
    cells: {
      1: { 11: measured(40, 30, 20), 12: measured(26, 20, 6), 13: measured(20, 15), 14: measured(99, 99) },
      2: { 11: measured(22, 15), 12: measured(20, 9), 13: cell({ status: 'too-small' }), 14: cell() },
      3: { 11: measured(12, 10), 12: cell({ status: 'disappeared' }), 13: cell({ status: 'not-evaluated' }), 14: cell() },
      4: { 11: cell({ volumeMl: 3.5, status: 'present' }), 12: cell({ status: 'absent' }), 13: cell(), 14: cell() },
    },
    liverVolumeMl: {},
    lineage: [],
    findings: [],
    pendingLinks: [],
    signoffs: [],
  };
}

describe('spider plot series', () => {
  it('gives each target lesion its % change from its first measurement, in date order', () => {
    const lines = spiderLines(table());
    expect(lines.map((l) => l.label)).toEqual(['L1', 'L2', 'L3']);
    const l1 = lines[0];
    expect(l1.points.map((p) => p.date)).toEqual(['2024-01-02', '2024-04-01', '2024-07-01']);
    expect(l1.points.map((p) => p.pct)).toEqual([0, -35, -50]);
    expect(pointsAttribute(l1.points.map((p) => ({ date: p.date, value: p.pct })))).toBe('2024-01-02:0.0;2024-04-01:-35.0;2024-07-01:-50.0');
  });

  it('follows a lymph node by its short axis, and counts "too small" as 5 mm (RECIST 1.1)', () => {
    const l2 = spiderLines(table())[1];
    expect(l2.axis).toBe('short');
    expect(l2.baselineMm).toBe(15);
    expect(l2.points.map((p) => p.pct)).toEqual([0, -40, (5 - 15) / 15 * 100]);
    expect(l2.points[2].status).toBe('too-small');
  });

  it('puts a disappeared target at −100% and leaves out exams not evaluated', () => {
    const l3 = spiderLines(table())[2];
    expect(l3.points.map((p) => [p.date, p.pct])).toEqual([
      ['2024-01-02', 0],
      ['2024-04-01', -100],
    ]);
  });

  it('does not start a line at 0 mm (no percentage of nothing)', () => {
    const t = table();
    t.cells[3][11] = cell({ status: 'disappeared' });
    expect(spiderLines(t).find((l) => l.label === 'L3')).toBeUndefined();
  });

  it('reads no diameter from a status that is not a measurement', () => {
    expect(recistDiameterMm(cell({ status: 'present', longAxisMm: 30 }), false)).toBeNull();
    expect(recistDiameterMm(measured(30, 12), true)).toEqual({ diameterMm: 12, status: 'measured' });
  });
});

describe('waterfall bars', () => {
  it('takes each lesion’s most negative follow-up change and sorts worst to best, coloured by the thresholds', () => {
    const bars = waterfallBars(spiderLines(table()));
    expect(bars.map((b) => [b.label, Math.round(b.bestPct * 10) / 10, b.category])).toEqual([
      ['L1', -50, 'PR'],
      ['L2', -66.7, 'PR'],
      ['L3', -100, 'CR'],
    ]);
  });

  it('adds the sum of diameters from the RECIST assessment as its own bar', () => {
    const assessment = {
      recistStudyRowIds: [11, 12],
      recistErrors: [],
      volumetry: { exams: [], growth: {} },
      recist: {
        timepoints: [
          { date: '2024-01-02', baseline: true, changeFromBaselinePct: null },
          { date: '2024-04-01', baseline: false, changeFromBaselinePct: 12 },
        ],
      },
    } as unknown as LesionTable['assessment'];
    const bars = waterfallBars([], assessment);
    expect(bars).toEqual([{ key: 'sum', label: 'Sum', kind: 'sum', bestPct: 12, date: '2024-04-01', category: 'SD' }]);
  });

  it('colours at the RECIST thresholds exactly: −30% is PR, +20% is PD', () => {
    expect(waterfallCategory(-30)).toBe('PR');
    expect(waterfallCategory(-29.9)).toBe('SD');
    expect(waterfallCategory(20)).toBe('PD');
    expect(waterfallCategory(19.9)).toBe('SD');
  });
});

describe('volume series', () => {
  it('plots mL per lesion with a mask, 0 mL where it disappeared or is absent', () => {
    const lines = volumeLines(table());
    expect(lines.map((l) => [l.label, l.points.map((p) => [p.date, p.volumeMl])])).toEqual([
      ['L1', [['2024-01-02', 20], ['2024-04-01', 6]]],
      ['L4', [['2024-01-02', 3.5], ['2024-04-01', 0]]],
    ]);
  });
});

describe('axes', () => {
  it('gives round ticks that cover the range', () => {
    expect(niceTicks(-47, 23, 5)).toEqual([-60, -40, -20, 0, 20, 40]);
    expect(niceTicks(0, 11.5, 4)).toEqual([0, 5, 10, 15]);
    expect(niceTicks(0, 9, 4)).toEqual([0, 2.5, 5, 7.5, 10]);
    // One value: a band around it, with the value itself on a tick.
    const single = niceTicks(5, 5);
    expect(single).toContain(5);
    expect(single[0]).toBeLessThan(5);
    expect(single[single.length - 1]).toBeGreaterThan(5);
  });

  it('spreads end labels apart without leaving the plot', () => {
    expect(spreadLabels([100, 102, 50], 14, 0, 200)).toEqual([100, 114, 50]);
    expect(spreadLabels([195, 196], 14, 0, 200)).toEqual([186, 200]);
  });

  it('drops a date tick that would overlap the previous one', () => {
    expect(thinTicks([{ x: 0 }, { x: 30 }, { x: 80 }], 60).map((t) => t.x)).toEqual([0, 80]);
  });
});
