/**
 * Series for the tumor-board plots, prepared from the lesion table: pure data in, pure data
 * out, so every number a plot draws is checked by a unit test beside this file.
 *
 * Diameter per lesion and exam follows RECIST 1.1 (§3.1.1 / §4.3.1): the long axis of a
 * non-nodal lesion, the short axis of a lymph node; a target marked "too small to measure"
 * counts as the default 5 mm and a target that disappeared as 0 mm.
 */
import type { LesionExamStatus, LesionTable, LesionTableData } from '../api/types';
import { isoDateToDay } from '../dates';
import { DEFAULT_RECIST_OPTIONS } from '../recist/types';

/** RECIST 1.1 §4.3.1 thresholds, also drawn as reference lines. */
export const PR_THRESHOLD_PCT = -30;
export const PD_THRESHOLD_PCT = 20;

export interface ExamPoint {
  studyRowId: number;
  /** YYYY-MM-DD */
  date: string;
  /** Days since 1970-01-01 (UTC), the x coordinate of time plots. */
  day: number;
}

export interface SpiderPoint extends ExamPoint {
  diameterMm: number;
  /** Change of this lesion's diameter from its own first measurement, %. */
  pct: number;
  status: Extract<LesionExamStatus, 'measured' | 'too-small' | 'disappeared'>;
}

export interface SpiderLine {
  lesionId: number;
  label: string;
  axis: 'long' | 'short';
  baselineMm: number;
  points: SpiderPoint[];
}

/** Exams that have a date, oldest first (an undated exam cannot be placed on a time axis). */
export function datedExams(t: LesionTableData): ExamPoint[] {
  const out: ExamPoint[] = [];
  for (const e of t.exams) {
    const day = e.date ? isoDateToDay(e.date) : null;
    if (e.date && day !== null) out.push({ studyRowId: e.studyRowId, date: e.date, day });
  }
  return out.sort((a, b) => a.day - b.day || a.studyRowId - b.studyRowId);
}

/** The RECIST diameter of one target lesion on one exam, or null when it has none. */
export function recistDiameterMm(
  cell: { longAxisMm: number | null; shortAxisMm: number | null; status: LesionExamStatus | null } | undefined,
  lymphNode: boolean,
  tooSmallMm: number = DEFAULT_RECIST_OPTIONS.tooSmallMm,
): { diameterMm: number; status: SpiderPoint['status'] } | null {
  if (!cell) return null;
  if (cell.status === 'disappeared') return { diameterMm: 0, status: 'disappeared' };
  if (cell.status === 'too-small') return { diameterMm: tooSmallMm, status: 'too-small' };
  if (cell.status !== 'measured') return null;
  const d = lymphNode ? cell.shortAxisMm : cell.longAxisMm;
  return d === null ? null : { diameterMm: d, status: 'measured' };
}

/**
 * One line per target lesion: % change of its diameter from its first measured exam.
 * Lesions measured on no exam are left out; a lesion's line starts at its first measurement.
 */
export function spiderLines(t: LesionTableData, tooSmallMm: number = DEFAULT_RECIST_OPTIONS.tooSmallMm): SpiderLine[] {
  const exams = datedExams(t);
  const lines: SpiderLine[] = [];
  for (const l of t.lesions) {
    if (l.recistRole !== 'target') continue;
    const points: SpiderPoint[] = [];
    let baselineMm: number | null = null;
    for (const e of exams) {
      const d = recistDiameterMm(t.cells[l.id]?.[e.studyRowId], l.lymphNode, tooSmallMm);
      if (!d) continue;
      // The reference must be a real size: a first entry of 0 mm has no percentage.
      if (baselineMm === null) {
        if (d.diameterMm <= 0) continue;
        baselineMm = d.diameterMm;
      }
      points.push({ ...e, diameterMm: d.diameterMm, status: d.status, pct: ((d.diameterMm - baselineMm) / baselineMm) * 100 });
    }
    if (baselineMm !== null) lines.push({ lesionId: l.id, label: l.label, axis: l.lymphNode ? 'short' : 'long', baselineMm, points });
  }
  return lines;
}

/** "2024-01-10:0.0;2024-04-02:-31.3" — the data-points attribute of a spider line. */
export function pointsAttribute(points: { date: string; value: number }[], digits = 1): string {
  return points.map((p) => `${p.date}:${p.value.toFixed(digits)}`).join(';');
}

export type WaterfallCategory = 'CR' | 'PR' | 'SD' | 'PD';

export interface WaterfallBar {
  key: string;
  label: string;
  kind: 'lesion' | 'sum';
  /** Most negative % change from baseline over the follow-up exams. */
  bestPct: number;
  date: string;
  category: WaterfallCategory;
}

/** Colour class of a % change by the RECIST thresholds (for one lesion, an illustration only). */
export function waterfallCategory(pct: number): WaterfallCategory {
  if (pct <= -100) return 'CR';
  if (pct <= PR_THRESHOLD_PCT) return 'PR';
  if (pct >= PD_THRESHOLD_PCT) return 'PD';
  return 'SD';
}

/**
 * Per target lesion, the best (most negative) change from its baseline over the follow-up
 * exams, plus the sum of diameters of the RECIST assessment when there is one; sorted from
 * the largest increase to the largest decrease, as waterfall plots are read.
 */
export function waterfallBars(lines: SpiderLine[], assessment?: LesionTable['assessment']): WaterfallBar[] {
  const bars: WaterfallBar[] = [];
  for (const line of lines) {
    const followUps = line.points.slice(1);
    if (!followUps.length) continue;
    const best = followUps.reduce((a, b) => (b.pct < a.pct ? b : a));
    bars.push({ key: `lesion-${line.lesionId}`, label: line.label, kind: 'lesion', bestPct: best.pct, date: best.date, category: waterfallCategory(best.pct) });
  }
  const recist = assessment?.recist;
  if (recist) {
    let best: { pct: number; date: string } | null = null;
    for (const tp of recist.timepoints) {
      if (tp.baseline || tp.changeFromBaselinePct === null) continue;
      if (!best || tp.changeFromBaselinePct < best.pct) best = { pct: tp.changeFromBaselinePct, date: tp.date };
    }
    if (best) bars.push({ key: 'sum', label: 'Sum', kind: 'sum', bestPct: best.pct, date: best.date, category: waterfallCategory(best.pct) });
  }
  return bars.sort((a, b) => b.bestPct - a.bestPct || a.label.localeCompare(b.label));
}

export interface VolumePoint extends ExamPoint {
  volumeMl: number;
}

export interface VolumeLine {
  lesionId: number;
  label: string;
  points: VolumePoint[];
}

/** Volume over time per lesion (any role) with a mask on at least one exam; "disappeared" is 0 mL. */
export function volumeLines(t: LesionTableData): VolumeLine[] {
  const exams = datedExams(t);
  const lines: VolumeLine[] = [];
  for (const l of t.lesions) {
    const points: VolumePoint[] = [];
    let measured = false;
    for (const e of exams) {
      const cell = t.cells[l.id]?.[e.studyRowId];
      if (!cell) continue;
      if (cell.volumeMl !== null) {
        measured = true;
        points.push({ ...e, volumeMl: cell.volumeMl });
      } else if (cell.status === 'disappeared' || cell.status === 'absent') points.push({ ...e, volumeMl: 0 });
    }
    if (measured) lines.push({ lesionId: l.id, label: l.label, points });
  }
  return lines;
}

// ---- axes --------------------------------------------------------------------------------

/** Round tick values covering [min, max] with about `count` steps of 1, 2, 2.5 or 5 × 10^n. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    min -= pad;
    max += pad;
  }
  if (min > max) [min, max] = [max, min];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = first; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toFixed(10)));
  return ticks;
}

/** Linear map from a domain to a range; a zero-width domain maps to the middle of the range. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
}

/**
 * Vertical positions for end-of-line labels: each label stays as near its line as it can
 * while keeping `gap` from its neighbours and inside [lo, hi]. Returns positions in input order.
 */
export function spreadLabels(ys: number[], gap: number, lo: number, hi: number): number[] {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y || a.i - b.i);
  const placed = order.map((o) => Math.min(hi, Math.max(lo, o.y)));
  for (let k = 1; k < placed.length; k++) placed[k] = Math.max(placed[k], placed[k - 1] + gap);
  // Pushed past the bottom: pack the stack back up from `hi`, keeping the gaps.
  if (placed.length && placed[placed.length - 1] > hi) {
    placed[placed.length - 1] = hi;
    for (let k = placed.length - 2; k >= 0; k--) placed[k] = Math.min(placed[k], placed[k + 1] - gap);
  }
  const out = new Array<number>(ys.length);
  order.forEach((o, k) => (out[o.i] = placed[k]));
  return out;
}

/** Exam dates to show under a time axis: drop a date that would overlap the one before it. */
export function thinTicks<T extends { x: number }>(ticks: T[], minGapPx: number): T[] {
  const out: T[] = [];
  for (const t of ticks) if (!out.length || t.x - out[out.length - 1].x >= minGapPx) out.push(t);
  return out;
}

/** A distinct colour per lesion (by its row in the table), legible on a dark background. */
const LESION_COLOURS = ['#4ea1ff', '#f28e2b', '#59c98a', '#e15759', '#b07aa1', '#edc948', '#76b7b2', '#ff9da7', '#9c755f', '#bab0ac'];

export function lesionColour(index: number): string {
  return LESION_COLOURS[((index % LESION_COLOURS.length) + LESION_COLOURS.length) % LESION_COLOURS.length];
}
