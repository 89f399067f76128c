/**
 * The tumor-board plots (spider, waterfall, volume) as figures of drawing primitives, from the
 * lesion table and its assessment (see plotData.ts for the numbers; figure.ts for the primitives).
 *
 * They follow the app's plots (renderer/src/features/report/Plots.tsx) drawn for paper: black
 * ink on white, 500 × 260 pt so a figure fits the width of an A4 page between its margins.
 * RECIST 1.1: Eisenhauer et al., Eur J Cancer 2009;45:228-47 (§4.3.1 thresholds).
 */
import type { LesionTable } from '../api/types';
import { signedPct } from '../recist/format';
import { DEFAULT_RECIST_OPTIONS } from '../recist/types';
import type { Figure, FigureItem } from './figure';
import {
  PD_THRESHOLD_PCT,
  PR_THRESHOLD_PCT,
  datedExams,
  lesionColour,
  linearScale,
  niceTicks,
  spiderLines,
  spreadLabels,
  thinTicks,
  volumeLines,
  waterfallBars,
  type ExamPoint,
  type WaterfallCategory,
} from './plotData';
import { mlText } from './tableText';

export const FIGURE_WIDTH = 500;
export const FIGURE_HEIGHT = 260;

/** The plot area inside a figure (points): axes at PLOT.x0 (left) and PLOT.y1 (bottom). */
export const PLOT = { x0: 58, x1: FIGURE_WIDTH - 92, y0: 14, y1: FIGURE_HEIGHT - 32 } as const;
const { x0: X0, x1: X1, y0: Y0, y1: Y1 } = PLOT;

const INK = '#111111';
const GRID = '#d9d9d9';
const ZERO = '#808080';
const TICK_SIZE = 7.5;
const LABEL_SIZE = 8;
/** Vertical distance between two end labels (points). */
const LABEL_GAP = 10;

/** Reference-line colours: PR green, PD red (the response colours of the report). */
export const PR_COLOUR = '#1b7f3b';
export const PD_COLOUR = '#c62828';

/** Waterfall bar fill by the RECIST thresholds: CR/PR green, SD amber, PD red. */
export const CATEGORY_FILL: Record<WaterfallCategory, string> = {
  CR: '#0f6b2f',
  PR: '#3f9d4f',
  SD: '#e0a100',
  PD: '#d32f2f',
};

/** "−30 %": a signed percentage as the report writes it (real minus sign, space before %). */
export function pctLabel(v: number): string {
  return signedPct(v).replace('%', ' %');
}

/** A tick value on a % axis: "+20 %", "0 %", "−40 %". */
function pctTick(v: number): string {
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v)} %`;
}

/** Rough width of a text in Helvetica-like type (points), for placing labels. */
function textWidth(text: string, size: number): number {
  return text.length * size * 0.56;
}

/** Numeric order of "L2" < "L10"; labels without a number after, alphabetically (as the app's colour order). */
function compareLabels(a: string, b: string): number {
  const na = Number(/\d+/.exec(a)?.[0] ?? NaN);
  const nb = Number(/\d+/.exec(b)?.[0] ?? NaN);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a.localeCompare(b);
}

/** Lesion id → colour, as the app gives them (by label order), so paper and screen agree. */
export function lesionColours(table: LesionTable): Map<number, string> {
  const sorted = [...table.table.lesions].sort((a, b) => compareLabels(a.label, b.label));
  return new Map(sorted.map((l, i) => [l.id, lesionColour(i)]));
}

/** A colour mixed toward black, for text in a lesion's colour that must read on white. */
function darken(hex: string, amount: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return hex;
  const n = parseInt(m[1], 16);
  const c = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => Math.round(v * (1 - amount)));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

function timeScale(exams: ExamPoint[]): (day: number) => number {
  const days = exams.map((e) => e.day);
  const lo = Math.min(...days);
  const hi = Math.max(...days);
  const pad = Math.max(7, (hi - lo) * 0.04);
  return linearScale(lo - pad, hi + pad, X0, X1);
}

interface YAxis {
  y: (v: number) => number;
  ticks: number[];
}

/** A % axis that always shows 0 and both thresholds, never below −100 % (as the app's). */
function pctAxis(values: number[]): YAxis {
  const lo = Math.max(-100, Math.min(-40, ...values.map((v) => v - 8)));
  const hi = Math.max(30, ...values.map((v) => v + 8));
  const ticks = niceTicks(lo, hi, 6);
  return { y: linearScale(ticks[0], ticks[ticks.length - 1], Y1, Y0), ticks };
}

function text(x: number, y: number, s: string, size: number, colour: string, anchor: 'start' | 'middle' | 'end', extra: { bold?: boolean; rotate?: number } = {}): FigureItem {
  return { type: 'text', x, y, text: s, size, colour, anchor, ...extra };
}

/** Horizontal grid with tick labels, the y axis and its title turned to read upwards. */
function yGrid(axis: YAxis, tickText: (v: number) => string, title: string): FigureItem[] {
  const items: FigureItem[] = [];
  for (const t of axis.ticks) {
    const y = axis.y(t);
    items.push({ type: 'line', points: [[X0, y], [X1, y]], colour: t === 0 ? ZERO : GRID, width: t === 0 ? 0.8 : 0.5 });
    items.push({ type: 'line', points: [[X0 - 3, y], [X0, y]], colour: INK, width: 0.6 });
    items.push(text(X0 - 5, y + TICK_SIZE * 0.35, tickText(t), TICK_SIZE, INK, 'end'));
  }
  items.push({ type: 'line', points: [[X0, Y0], [X0, Y1]], colour: INK, width: 0.8 });
  items.push(text(12, (Y0 + Y1) / 2, title, LABEL_SIZE, INK, 'middle', { rotate: 90 }));
  return items;
}

/** The time axis: a tick and date (YYYY-MM-DD) under each exam, leaving out one that would overlap. */
function timeAxis(exams: ExamPoint[], x: (day: number) => number): FigureItem[] {
  const items: FigureItem[] = [{ type: 'line', points: [[X0, Y1], [X1, Y1]], colour: INK, width: 0.8 }];
  const all = exams.map((e) => ({ ...e, x: x(e.day) }));
  for (const t of all) items.push({ type: 'line', points: [[t.x, Y1], [t.x, Y1 + 3]], colour: INK, width: 0.6 });
  for (const t of thinTicks(all, textWidth('0000-00-00', TICK_SIZE) + 8)) items.push(text(t.x, Y1 + 12, t.date, TICK_SIZE, INK, 'middle'));
  items.push(text((X0 + X1) / 2, Y1 + 25, 'Exam date', LABEL_SIZE, INK, 'middle'));
  return items;
}

/** Dashed PR and PD lines with their labels: inside the plot at the left, or in the right margin. */
function thresholds(axis: YAxis, labels: 'left' | 'right'): FigureItem[] {
  const yPd = axis.y(PD_THRESHOLD_PCT);
  const yPr = axis.y(PR_THRESHOLD_PCT);
  const x = labels === 'left' ? X0 + 4 : X1 + 5;
  const anchor = 'start';
  return [
    { type: 'line', points: [[X0, yPd], [X1, yPd]], colour: PD_COLOUR, width: 1, dash: [4, 3] },
    text(x, labels === 'left' ? yPd - 3 : yPd + TICK_SIZE * 0.35, `PD ${pctLabel(PD_THRESHOLD_PCT)}`, TICK_SIZE, PD_COLOUR, anchor, { bold: true }),
    { type: 'line', points: [[X0, yPr], [X1, yPr]], colour: PR_COLOUR, width: 1, dash: [4, 3] },
    text(x, labels === 'left' ? yPr + TICK_SIZE + 2 : yPr + TICK_SIZE * 0.35, `PR ${pctLabel(PR_THRESHOLD_PCT)}`, TICK_SIZE, PR_COLOUR, anchor, { bold: true }),
  ];
}

interface EndLabel {
  x: number;
  y: number;
  text: string;
  colour: string;
}

/**
 * End-of-line labels right of each line's last point. Labels that would share a column (their
 * lines end near the same date) are spread apart with spreadLabels; a moved label gets a leader.
 */
function endLabels(ends: EndLabel[]): FigureItem[] {
  const order = ends.map((e, i) => ({ ...e, i })).sort((a, b) => a.x - b.x || a.i - b.i);
  const clusters: (typeof order)[] = [];
  for (const e of order) {
    const c = clusters[clusters.length - 1];
    if (c && e.x - c[0].x < Math.max(...c.map((k) => textWidth(k.text, LABEL_SIZE))) + 6) c.push(e);
    else clusters.push([e]);
  }
  const placed = new Array<number>(ends.length);
  for (const c of clusters) {
    const ys = spreadLabels(
      c.map((e) => e.y),
      LABEL_GAP,
      Y0 + LABEL_SIZE / 2,
      Y1 - LABEL_SIZE / 2 - 1,
    );
    c.forEach((e, k) => (placed[e.i] = ys[k]));
  }
  const items: FigureItem[] = [];
  ends.forEach((e, i) => {
    const ly = placed[i];
    if (Math.abs(ly - e.y) > 2) items.push({ type: 'line', points: [[e.x + 3.5, e.y], [e.x + 6, ly]], colour: e.colour, width: 0.6 });
    items.push(text(e.x + 7, ly + LABEL_SIZE * 0.35, e.text, LABEL_SIZE, darken(e.colour, 0.3), 'start', { bold: true }));
  });
  return items;
}

function spiderFigure(lt: LesionTable, colours: Map<number, string>): Figure | null {
  const tooSmallMm = lt.assessment.recist?.options.tooSmallMm ?? DEFAULT_RECIST_OPTIONS.tooSmallMm;
  const lines = spiderLines(lt.table, tooSmallMm);
  const exams = datedExams(lt.table);
  if (!lines.length || !exams.length) return null;
  const x = timeScale(exams);
  const axis = pctAxis(lines.flatMap((l) => l.points.map((p) => p.pct)));
  const items: FigureItem[] = [...yGrid(axis, pctTick, 'Change from baseline (%)'), ...thresholds(axis, 'left'), ...timeAxis(exams, x)];
  const ends: EndLabel[] = [];
  lines.forEach((l, i) => {
    const colour = colours.get(l.lesionId) ?? lesionColour(i);
    const pts = l.points.map((p) => [x(p.day), axis.y(p.pct)] as [number, number]);
    if (pts.length > 1) items.push({ type: 'line', points: pts, colour, width: 1.6 });
    l.points.forEach((p, k) => {
      const hollow = p.status !== 'measured';
      items.push({ type: 'circle', cx: pts[k][0], cy: pts[k][1], r: 3, fill: hollow ? '#ffffff' : colour, stroke: colour, strokeWidth: 1.2 });
    });
    const last = pts[pts.length - 1];
    ends.push({ x: last[0], y: last[1], text: `${l.label} ${pctLabel(l.points[l.points.length - 1].pct)}`, colour });
  });
  items.push(...endLabels(ends));
  return {
    id: 'spider',
    title: 'Spider plot — change of each target lesion from its baseline diameter',
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    items,
    caption:
      `Change of each target lesion's diameter from its first measurement, by exam date (RECIST 1.1: long axis; short axis for lymph nodes). ` +
      `Hollow dots: too small to measure (counted as ${tooSmallMm} mm) or disappeared (−100 %). ` +
      `Dashed lines: PR ${pctLabel(PR_THRESHOLD_PCT)} and PD ${pctLabel(PD_THRESHOLD_PCT)}, the RECIST 1.1 thresholds; the response is that of the sum of diameters (PR from baseline, PD from the nadir and at least 5 mm).`,
  };
}

function waterfallFigure(lt: LesionTable): Figure | null {
  const tooSmallMm = lt.assessment.recist?.options.tooSmallMm ?? DEFAULT_RECIST_OPTIONS.tooSmallMm;
  const bars = waterfallBars(spiderLines(lt.table, tooSmallMm), lt.assessment);
  if (!bars.length) return null;
  const axis = pctAxis(bars.map((b) => b.bestPct));
  const items: FigureItem[] = [...yGrid(axis, pctTick, 'Best change from baseline (%)'), ...thresholds(axis, 'right')];
  const band = (X1 - X0) / bars.length;
  const barW = Math.min(40, band * 0.7);
  const y0 = axis.y(0);
  const size = Math.min(LABEL_SIZE, Math.max(5.5, band / 4.2));
  for (const [i, b] of bars.entries()) {
    const cx = X0 + band * (i + 0.5);
    const yv = axis.y(b.bestPct);
    const top = Math.min(y0, yv);
    const h = Math.max(0.8, Math.abs(yv - y0));
    const sum = b.kind === 'sum';
    items.push({ type: 'rect', x: cx - barW / 2, y: top, w: barW, h, fill: CATEGORY_FILL[b.category], stroke: sum ? INK : undefined, strokeWidth: sum ? 1.2 : undefined });
    const below = b.bestPct < 0;
    items.push(text(cx, below ? yv + size + 3 : yv - 3, pctLabel(b.bestPct), size, INK, 'middle'));
    items.push(text(cx, below ? y0 - 4 : y0 + size + 3, b.label, size, INK, 'middle', { bold: sum }));
  }
  const hasSum = bars.some((b) => b.kind === 'sum');
  return {
    id: 'waterfall',
    title: hasSum ? 'Waterfall plot — best change from baseline per target lesion and of the sum' : 'Waterfall plot — best change from baseline per target lesion',
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    items,
    caption:
      'Most negative change from baseline over the follow-up exams, worst to best. ' +
      `Green ≤ ${pctLabel(PR_THRESHOLD_PCT)} (PR threshold), amber between, red ≥ ${pctLabel(PD_THRESHOLD_PCT)} (PD threshold), dark green −100 % (disappeared). ` +
      (hasSum ? '“Sum” (outlined) is the RECIST 1.1 sum of diameters; per-lesion bars illustrate, the response is that of the sum.' : 'Per-lesion bars illustrate; the RECIST 1.1 response is that of the sum of diameters.'),
  };
}

/** "12", "2.5", "0.25": a volume tick without trailing zeros. */
function mlTick(v: number): string {
  return String(Number(v.toFixed(3)));
}

function volumeFigure(lt: LesionTable, colours: Map<number, string>): Figure | null {
  const lines = volumeLines(lt.table);
  const exams = datedExams(lt.table);
  if (!lines.length || !exams.length) return null;
  const x = timeScale(exams);
  const maxMl = Math.max(...lines.flatMap((l) => l.points.map((p) => p.volumeMl)));
  const ticks = niceTicks(0, maxMl > 0 ? maxMl * 1.08 : 1, 5);
  const axis: YAxis = { y: linearScale(0, ticks[ticks.length - 1], Y1, Y0), ticks };
  const items: FigureItem[] = [...yGrid(axis, mlTick, 'Volume (mL)'), ...timeAxis(exams, x)];
  const ends: EndLabel[] = [];
  lines.forEach((l, i) => {
    const colour = colours.get(l.lesionId) ?? lesionColour(i);
    const pts = l.points.map((p) => [x(p.day), axis.y(p.volumeMl)] as [number, number]);
    if (pts.length > 1) items.push({ type: 'line', points: pts, colour, width: 1.6 });
    for (const p of pts) items.push({ type: 'circle', cx: p[0], cy: p[1], r: 3, fill: colour, stroke: colour, strokeWidth: 1.2 });
    const last = pts[pts.length - 1];
    ends.push({ x: last[0], y: last[1], text: `${l.label} ${mlText(l.points[l.points.length - 1].volumeMl)}`, colour });
  });
  items.push(...endLabels(ends));
  return {
    id: 'volume',
    title: 'Lesion volume over time',
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    items,
    caption:
      'Volume of each lesion from its mask (mL) by exam date; 0 mL where a lesion disappeared or is absent. ' +
      'Volumetry is supplementary: the RECIST 1.1 response rests on diameters.',
  };
}

/** Spider, waterfall and volume plots of a patient; a plot without data is left out. */
export function reportFigures(table: LesionTable): Figure[] {
  const colours = lesionColours(table);
  return [spiderFigure(table, colours), waterfallFigure(table), volumeFigure(table, colours)].filter((f): f is Figure => f !== null);
}
