import { describe, expect, it } from 'vitest';
import type { Lesion, LesionCell, LesionTable, LesionTableData } from '../api/types';
import { isoDateToDay } from '../dates';
import type { Figure, FigureItem } from './figure';
import { lesionColour } from './plotData';
import { CATEGORY_FILL, FIGURE_HEIGHT, FIGURE_WIDTH, PD_COLOUR, PLOT, PR_COLOUR, reportFigures } from './plotFigures';

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
  return { measurementId: null, seriesId: null, longAxisMm: null, shortAxisMm: null, volumeMl: null, status: null, measurementCount: 0, recordChosenBy: null, ...patch };
}

const measured = (longAxisMm: number, shortAxisMm: number, volumeMl: number | null = null) =>
  cell({ longAxisMm, shortAxisMm, volumeMl, status: 'measured', measurementId: 1, measurementCount: 1, recordChosenBy: 'default' });

const BL = '2024-01-02';
const FU1 = '2024-04-01';
const FU2 = '2024-07-01';

/**
 * Exams out of date order. L1 shrinks 40 → 24 mm (−40 %) then 20 mm (−50 %); L2 grows
 * 20 → 25 mm (+25 %, past PD); L3 shrinks 30 → 27 mm (−10 %). Volumes for L1 and L3.
 * The RECIST sum: 90 → 76 (−15.6 %) → 72 mm (−20 %).
 */
function data(): LesionTable {
  const table: LesionTableData = {
    patientRowId: 1,
    exams: [
      { studyRowId: 12, date: FU1, description: 'CT FU1', seriesIds: [22] },
      { studyRowId: 11, date: BL, description: 'CT BL', seriesIds: [21] },
      { studyRowId: 13, date: FU2, description: 'CT FU2', seriesIds: [23] },
    ],
    lesions: [lesion(3, 'L3'), lesion(1, 'L1'), lesion(2, 'L2')],
    cells: {
      1: { 11: measured(40, 30, 20), 12: measured(24, 18, 8), 13: measured(20, 15, 5) },
      2: { 11: measured(20, 15), 12: measured(25, 18), 13: measured(25, 18) },
      3: { 11: measured(30, 20, 9), 12: measured(27, 19, 8.5), 13: measured(27, 19, 8) },
    },
    liverVolumeMl: {},
    lineage: [],
    findings: [],
    pendingLinks: [],
    signoffs: [],
  };
  const assessment = {
    baselineStudyRowId: 11,
    recistStudyRowIds: [11, 12, 13],
    lesionRoles: [],
    recistErrors: [],
    volumetry: { exams: [], lesions: {}, growth: {} },
    recist: {
      options: { tooSmallMm: 5, requireConfirmation: false, confirmationMinDays: 28, sdMinDays: 42 },
      bestOverallResponse: 'SD',
      bestOverallResponseExplanation: [],
      timepoints: [
        { date: BL, baseline: true, changeFromBaselinePct: null },
        { date: FU1, baseline: false, changeFromBaselinePct: ((76 - 90) / 90) * 100 },
        { date: FU2, baseline: false, changeFromBaselinePct: -20 },
      ],
    },
  } as unknown as LesionTable['assessment'];
  return { table, assessment };
}

const byId = (figs: Figure[], id: string) => {
  const f = figs.find((x) => x.id === id);
  if (!f) throw new Error(`no ${id} figure`);
  return f;
};
type Of<T extends FigureItem['type']> = Extract<FigureItem, { type: T }>;
const items = <T extends FigureItem['type']>(f: Figure, type: T) => f.items.filter((i): i is Of<T> => i.type === type);
const texts = (f: Figure) => items(f, 'text').map((t) => t.text);
/** The y of the dashed reference line in a colour. */
const refY = (f: Figure, colour: string) => {
  const l = items(f, 'line').find((i) => i.colour === colour && i.dash);
  if (!l) throw new Error(`no reference line ${colour}`);
  expect(l.points[0][1]).toBe(l.points[1][1]);
  return l.points[0][1];
};
/** The y of the 0 % line (the grid line labelled "0 %"). */
const zeroY = (f: Figure) => {
  const t = items(f, 'text').find((x) => x.text === '0 %')!;
  const l = items(f, 'line').find((i) => i.points.length === 2 && i.points[0][0] === PLOT.x0 && i.points[1][0] === PLOT.x1 && Math.abs(i.points[0][1] - (t.y - 7.5 * 0.35)) < 1e-9);
  return l!.points[0][1];
};

/** Where the figures' time axis puts a date (the same padding rule as the app's plots). */
function expectedX(date: string): number {
  const lo = isoDateToDay(BL)!;
  const hi = isoDateToDay(FU2)!;
  const pad = Math.max(7, (hi - lo) * 0.04);
  return PLOT.x0 + ((isoDateToDay(date)! - (lo - pad)) / (hi - lo + 2 * pad)) * (PLOT.x1 - PLOT.x0);
}

describe('report figures', () => {
  it('gives the spider, waterfall and volume plots, about 500 × 260 pt, everything inside the frame', () => {
    const figs = reportFigures(data());
    expect(figs.map((f) => f.id)).toEqual(['spider', 'waterfall', 'volume']);
    for (const f of figs) {
      expect([f.width, f.height]).toEqual([FIGURE_WIDTH, FIGURE_HEIGHT]);
      expect(f.width).toBeLessThanOrEqual(595 - 2 * 36);
      expect(f.caption).toMatch(/RECIST 1\.1/);
      expect(f.title.length).toBeGreaterThan(5);
      for (const it of f.items) {
        const pts: [number, number][] =
          it.type === 'line' ? it.points : it.type === 'rect' ? [[it.x, it.y], [it.x + it.w, it.y + it.h]] : it.type === 'circle' ? [[it.cx, it.cy]] : [[it.x, it.y]];
        for (const [x, y] of pts) {
          expect(Number.isFinite(x) && Number.isFinite(y)).toBe(true);
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(f.width);
          expect(y).toBeGreaterThanOrEqual(0);
          expect(y).toBeLessThanOrEqual(f.height);
        }
      }
    }
  });

  it('spider: a lesion shrinking 40 % lands below the PR line, at the x of its exam date', () => {
    const f = byId(reportFigures(data()), 'spider');
    const yPr = refY(f, PR_COLOUR);
    const yPd = refY(f, PD_COLOUR);
    const y0 = zeroY(f);
    expect(yPd).toBeLessThan(y0);
    expect(yPr).toBeGreaterThan(y0);
    // −30 % and +20 % on one linear scale through 0.
    expect((yPr - y0) / (yPd - y0)).toBeCloseTo(-30 / 20, 9);
    const l1Colour = lesionColour(0); // L1 is first by label order
    const l1 = items(f, 'line').find((l) => l.colour === l1Colour && !l.dash && l.points.length === 3)!;
    expect(l1.points.map((p) => p[0])).toEqual([expectedX(BL), expectedX(FU1), expectedX(FU2)].map((x) => expect.closeTo(x, 9)));
    const [bl, fu1, fu2] = l1.points;
    expect(bl[1]).toBeCloseTo(y0, 9);
    expect(fu1[1]).toBeGreaterThan(yPr); // below the line (y down)
    expect((fu1[1] - y0) / (yPr - y0)).toBeCloseTo(40 / 30, 9);
    expect((fu2[1] - y0) / (yPr - y0)).toBeCloseTo(50 / 30, 9);
    // L2 (+25 %) is above the PD line on the follow-ups; L3 (−10 %) between the lines.
    const l2 = items(f, 'line').find((l) => l.colour === lesionColour(1) && !l.dash)!;
    expect(l2.points[1][1]).toBeLessThan(yPd);
    const l3 = items(f, 'line').find((l) => l.colour === lesionColour(2) && !l.dash)!;
    expect(l3.points[2][1]).toBeGreaterThan(y0);
    expect(l3.points[2][1]).toBeLessThan(yPr);
    // A dot on every point.
    expect(items(f, 'circle').filter((c) => c.fill === l1Colour)).toHaveLength(3);
  });

  it('spider: axes, ticks, dates, reference labels and end labels are written', () => {
    const f = byId(reportFigures(data()), 'spider');
    const t = texts(f);
    expect(t).toEqual(expect.arrayContaining(['PR −30 %', 'PD +20 %', BL, FU1, FU2, '0 %', 'Change from baseline (%)', 'L1 −50 %', 'L2 +25 %', 'L3 −10 %']));
    expect(t.some((s) => /^−\d+ %$/.test(s))).toBe(true);
    expect(t.some((s) => /^\+\d+ %$/.test(s))).toBe(true);
    const axisTitle = items(f, 'text').find((x) => x.text === 'Change from baseline (%)')!;
    expect(axisTitle.rotate).toBe(90);
    // Date labels under the axis, at the exam's x.
    const fu1 = items(f, 'text').find((x) => x.text === FU1)!;
    expect(fu1.x).toBeCloseTo(expectedX(FU1), 9);
    expect(fu1.y).toBeGreaterThan(PLOT.y1);
  });

  it('spreads end labels that would overlap (spreadLabels), with one colour per lesion', () => {
    const d = data();
    // Three lines ending on nearly the same value.
    d.table.cells[1][13] = measured(27.2, 15);
    d.table.cells[2][13] = measured(18, 15);
    d.table.cells[3][13] = measured(27, 19);
    const f = byId(reportFigures(d), 'spider');
    const labels = items(f, 'text').filter((x) => /^L\d /.test(x.text));
    expect(labels).toHaveLength(3);
    const ys = labels.map((l) => l.y).sort((a, b) => a - b);
    for (let k = 1; k < ys.length; k++) expect(ys[k] - ys[k - 1]).toBeGreaterThanOrEqual(10 - 1e-9);
    const colours = new Set(items(f, 'line').filter((l) => !l.dash && l.width > 1).map((l) => l.colour));
    expect(colours.size).toBe(3);
  });

  it('waterfall: bars sorted worst to best, coloured by category, the sum outlined', () => {
    const f = byId(reportFigures(data()), 'waterfall');
    const bars = items(f, 'rect');
    expect(bars).toHaveLength(4);
    // Left to right.
    const xs = bars.map((b) => b.x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    const y0 = zeroY(f);
    const yPr = refY(f, PR_COLOUR);
    // Signed height of each bar relative to 0 %, in %, by the PR line's scale.
    const perPct = (yPr - y0) / -30;
    const pct = bars.map((b) => ((Math.abs(b.y - y0) < 1e-9 ? b.y + b.h : b.y) - y0) / perPct);
    const expected = [25, -10, -20, -50];
    pct.forEach((p, i) => expect(p).toBeCloseTo(expected[i], 6));
    for (let k = 1; k < pct.length; k++) expect(pct[k]).toBeLessThan(pct[k - 1]);
    expect(bars.map((b) => b.fill)).toEqual([CATEGORY_FILL.PD, CATEGORY_FILL.SD, CATEGORY_FILL.SD, CATEGORY_FILL.PR]);
    expect(bars[2].stroke).toBeDefined(); // the sum, −20 %
    expect(bars.filter((b) => b.stroke)).toHaveLength(1);
    // The PR bar reaches below the PR line; the PD bar above the PD line.
    expect(bars[3].y + bars[3].h).toBeGreaterThan(yPr);
    expect(bars[0].y).toBeLessThan(refY(f, PD_COLOUR));
    // Labels in bar order, with values.
    const t = texts(f);
    const order = ['L2', 'L3', 'Sum', 'L1'].map((l) => items(f, 'text').find((x) => x.text === l)!.x);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(t).toEqual(expect.arrayContaining(['+25 %', '−10 %', '−20 %', '−50 %', 'PR −30 %', 'PD +20 %']));
    const sumLabel = items(f, 'text').find((x) => x.text === 'Sum')!;
    expect(sumLabel.bold).toBe(true);
  });

  it('volume: mL per lesion over time from 0, with mL ticks and end labels', () => {
    const f = byId(reportFigures(data()), 'volume');
    const t = texts(f);
    expect(t).toEqual(expect.arrayContaining(['Volume (mL)', '0', 'L1 5.00 mL', 'L3 8.00 mL', BL, FU2]));
    expect(t.some((s) => /PR|PD/.test(s))).toBe(false);
    const l1 = items(f, 'line').find((l) => l.colour === lesionColour(0) && l.width > 1)!;
    expect(l1.points.map((p) => p[0])).toEqual([expectedX(BL), expectedX(FU1), expectedX(FU2)].map((x) => expect.closeTo(x, 9)));
    // y proportional to volume, 0 mL on the axis.
    const zero = items(f, 'text').find((x) => x.text === '0')!;
    const yZero = zero.y - 7.5 * 0.35;
    expect(yZero).toBeCloseTo(PLOT.y1, 9);
    const [a, b, c] = l1.points.map((p) => yZero - p[1]);
    expect(b / a).toBeCloseTo(8 / 20, 9);
    expect(c / a).toBeCloseTo(5 / 20, 9);
  });

  it('leaves out a plot without data', () => {
    const none = data();
    none.table.cells = {};
    none.assessment = { ...none.assessment, recist: null };
    expect(reportFigures(none)).toEqual([]);

    // Volumes only (no diameters): the volume plot alone.
    const vol = data();
    vol.assessment = { ...vol.assessment, recist: null };
    vol.table.cells = { 1: { 11: cell({ volumeMl: 4, status: 'present' }) } };
    expect(reportFigures(vol).map((f) => f.id)).toEqual(['volume']);

    // Baseline only: a spider with one dot per lesion, no waterfall (nothing to compare).
    const bl = data();
    bl.assessment = { ...bl.assessment, recist: null };
    bl.table.exams = bl.table.exams.filter((e) => e.studyRowId === 11);
    const figs = reportFigures(bl);
    expect(figs.map((f) => f.id)).toEqual(['spider', 'volume']);
    expect(items(byId(figs, 'spider'), 'circle')).toHaveLength(3);
  });
});
