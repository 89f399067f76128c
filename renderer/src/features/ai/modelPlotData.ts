/**
 * Data of the model page's plots, pure and unit-tested: the ROC curve of a validation
 * (with its partial area), and the agreement between the model's masks and the
 * radiologists' final ones over time (monitoring).
 */
import type { AgreementEntry } from '../../../../core/api/types';

export interface RocPoint {
  fpr: number;
  tpr: number;
  threshold: number;
}

/** The ROC points in drawing order (false-positive rate rising), from (0, 0) to (1, 1). */
export function rocCurve(roc: RocPoint[]): RocPoint[] {
  const pts = roc.filter((p) => Number.isFinite(p.fpr) && Number.isFinite(p.tpr)).sort((a, b) => a.fpr - b.fpr || a.tpr - b.tpr);
  if (!pts.length || pts[0].fpr > 0 || pts[0].tpr > 0) pts.unshift({ fpr: 0, tpr: 0, threshold: Infinity });
  const last = pts[pts.length - 1];
  if (last.fpr < 1 || last.tpr < 1) pts.push({ fpr: 1, tpr: 1, threshold: -Infinity });
  return pts;
}

/** TPR on the curve at a false-positive rate (linear between points; the highest where the curve is vertical). */
export function tprAt(curve: RocPoint[], fpr: number): number {
  let best = 0;
  for (let i = 0; i < curve.length; i++) {
    const p = curve[i];
    if (p.fpr === fpr) best = Math.max(best, p.tpr);
    if (i > 0) {
      const q = curve[i - 1];
      if (q.fpr < fpr && p.fpr > fpr) best = Math.max(best, q.tpr + ((p.tpr - q.tpr) * (fpr - q.fpr)) / (p.fpr - q.fpr));
    }
  }
  return best;
}

/** The region under the curve up to `maxFpr` (partial AUC), as a closed polygon in ROC space. */
export function areaPolygon(curve: RocPoint[], maxFpr = 1): [number, number][] {
  const inside = curve.filter((p) => p.fpr <= maxFpr).map((p) => [p.fpr, p.tpr] as [number, number]);
  const last = inside[inside.length - 1];
  if (!last || last[0] < maxFpr) inside.push([maxFpr, tprAt(curve, maxFpr)]);
  return [[0, 0], ...inside, [maxFpr, 0]];
}

/** Trapezoidal area under the curve up to `maxFpr` (the raw partial AUC; 1 for maxFpr = 1 and a perfect model). */
export function trapezoidArea(curve: RocPoint[], maxFpr = 1): number {
  const poly = areaPolygon(curve, maxFpr).slice(1, -1);
  let area = 0;
  for (let i = 1; i < poly.length; i++) area += ((poly[i][0] - poly[i - 1][0]) * (poly[i][1] + poly[i - 1][1])) / 2;
  return area;
}

// ---- monitoring ----

export interface AgreementPoint {
  proposalId: number;
  modelVersion: string;
  /** Dice of the model mask with the final mask: the last entry of this proposal. */
  dice: number;
  at: string;
  /** Days since 1970-01-01 UTC (fractional), the x coordinate. */
  day: number;
  /** Accepted as drawn, or edited by the reader afterwards. */
  edited: boolean;
}

export interface AgreementSeries {
  modelId: string;
  versions: string[];
  /** One point per proposal, oldest first. */
  points: AgreementPoint[];
  meanDice: number;
  minDice: number;
  acceptedAsIs: number;
  edited: number;
  /** Every logged event, newest first (the list under the plot). */
  entries: AgreementEntry[];
}

const DAY_MS = 86_400_000;
export const isoToDay = (iso: string): number => Date.parse(iso) / DAY_MS;

/**
 * Per model: the Dice of each accepted proposal's model mask with its final mask (the
 * latest logged value: 1 when accepted as drawn, the edit's value after an edit), by date.
 */
export function agreementByModel(entries: AgreementEntry[]): AgreementSeries[] {
  const byModel = new Map<string, AgreementEntry[]>();
  for (const e of entries) {
    if (!Number.isFinite(Date.parse(e.at))) continue;
    const list = byModel.get(e.modelId) ?? [];
    list.push(e);
    byModel.set(e.modelId, list);
  }
  const out: AgreementSeries[] = [];
  for (const [modelId, list] of [...byModel].sort((a, b) => a[0].localeCompare(b[0]))) {
    const ordered = [...list].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id - b.id);
    const last = new Map<number, AgreementEntry>();
    const wasEdited = new Set<number>();
    for (const e of ordered) {
      last.set(e.proposalId, e);
      if (e.event === 'edited') wasEdited.add(e.proposalId);
    }
    const points = [...last.values()]
      .map((e) => ({ proposalId: e.proposalId, modelVersion: e.modelVersion, dice: e.dice, at: e.at, day: isoToDay(e.at), edited: wasEdited.has(e.proposalId) }))
      .sort((a, b) => a.day - b.day || a.proposalId - b.proposalId);
    const dices = points.map((p) => p.dice);
    out.push({
      modelId,
      versions: [...new Set(ordered.map((e) => e.modelVersion))],
      points,
      meanDice: dices.reduce((s, d) => s + d, 0) / dices.length,
      minDice: Math.min(...dices),
      acceptedAsIs: points.filter((p) => !p.edited).length,
      edited: points.filter((p) => p.edited).length,
      entries: [...ordered].reverse(),
    });
  }
  return out;
}

/** Mean Dice per calendar day (UTC), oldest first: the line through the scatter. */
export function dailyMeans(points: AgreementPoint[]): { day: number; date: string; meanDice: number; n: number }[] {
  const byDay = new Map<number, number[]>();
  for (const p of points) {
    const d = Math.floor(p.day);
    byDay.set(d, [...(byDay.get(d) ?? []), p.dice]);
  }
  return [...byDay]
    .sort((a, b) => a[0] - b[0])
    .map(([d, v]) => ({ day: d + 0.5, date: dayToIsoDate(d), meanDice: v.reduce((s, x) => s + x, 0) / v.length, n: v.length }));
}

export function dayToIsoDate(day: number): string {
  return new Date(Math.floor(day) * DAY_MS).toISOString().slice(0, 10);
}

// ---- scales ----

export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** The day range of a time axis: the points' days, at least two days wide, padded. */
export function dayDomain(days: number[]): [number, number] {
  if (!days.length) return [0, 1];
  const lo = Math.min(...days);
  const hi = Math.max(...days);
  const pad = Math.max(1, (hi - lo) * 0.06);
  return [Math.floor(lo - pad), Math.ceil(hi + pad)];
}

/** Whole-day ticks over a domain, at most `count` of them. */
export function dayTicks(domain: [number, number], count = 5): number[] {
  const span = domain[1] - domain[0];
  const step = Math.max(1, Math.ceil(span / Math.max(1, count - 1)));
  const out: number[] = [];
  for (let d = Math.ceil(domain[0]); d <= domain[1]; d += step) out.push(d);
  return out;
}
