/**
 * Data of the model page's plots, pure and unit-tested: the ROC curve of a validation
 * (with its partial area), the agreement between the model's masks and the radiologists'
 * final ones over time, and the model's errors over time — sensitivity and false positives
 * per exam, run by run (monitoring).
 */
import type { ModelMonitoring } from '../../../../core/api/domains/ai';
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
  /** One point per accepted proposal, oldest first. */
  points: AgreementPoint[];
  /** Null while no proposal was accepted (only rejections or misses logged). */
  meanDice: number | null;
  minDice: number | null;
  acceptedAsIs: number;
  edited: number;
  /** Every logged event (accepts, edits, rejections, misses), newest first (the list beside the plots). */
  entries: AgreementEntry[];
}

const DAY_MS = 86_400_000;
export const isoToDay = (iso: string): number => Date.parse(iso) / DAY_MS;

/**
 * Per model: the Dice of each accepted proposal's model mask with its final mask (the
 * latest logged value: 1 when accepted as drawn, the edit's value after an edit), by date.
 * Rejections and misses carry no Dice: they are listed, not plotted here.
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
    const last = new Map<number, AgreementPoint>();
    const wasEdited = new Set<number>();
    for (const e of ordered) {
      if (e.proposalId === null || e.dice === null) continue;
      last.set(e.proposalId, { proposalId: e.proposalId, modelVersion: e.modelVersion, dice: e.dice, at: e.at, day: isoToDay(e.at), edited: false });
      if (e.event === 'edited') wasEdited.add(e.proposalId);
    }
    const points = [...last.values()].map((p) => ({ ...p, edited: wasEdited.has(p.proposalId) })).sort((a, b) => a.day - b.day || a.proposalId - b.proposalId);
    const dices = points.map((p) => p.dice);
    out.push({
      modelId,
      versions: [...new Set(ordered.map((e) => e.modelVersion))],
      points,
      meanDice: dices.length ? dices.reduce((s, d) => s + d, 0) / dices.length : null,
      minDice: dices.length ? Math.min(...dices) : null,
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

// ---- errors over time: sensitivity and false positives per exam ----

export interface TrendPoint {
  runId: number;
  seriesId: number;
  /** The run's finished time (days since 1970-01-01 UTC), the x coordinate. */
  day: number;
  at: string;
  /** This run's own value (null where undefined: no lesion to find). */
  value: number | null;
  /** The running value over this run and all before it (the line). */
  cumulative: number | null;
  /** What the dot's tooltip says about the counts. */
  detail: string;
}

export type TrendKey = 'sensitivity' | 'falsePositivesPerExam';

/**
 * One point per reviewed run, oldest first: its own sensitivity (TP / (TP + FN)) or false
 * positives (per exam: one run is one exam), and the running value over the runs so far.
 * Runs without a finished time are left out (no place on the time axis).
 */
export function trendPoints(m: ModelMonitoring, key: TrendKey): TrendPoint[] {
  return m.runs
    .filter((r) => r.finishedAt !== null && Number.isFinite(Date.parse(r.finishedAt)))
    .map((r) => ({
      runId: r.runId,
      seriesId: r.seriesId,
      day: isoToDay(r.finishedAt!),
      at: r.finishedAt!,
      value: r[key],
      cumulative: r.cumulative[key],
      detail:
        key === 'sensitivity'
          ? `${r.truePositives} found of ${r.truePositives + r.falseNegatives} (${r.falseNegatives} missed)`
          : `${r.falsePositives} rejected`,
    }));
}

/** The top of a count axis: at least 1, rounded up to a whole number. */
export function countMax(values: (number | null)[]): number {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return Math.max(1, Math.ceil(Math.max(0, ...finite)));
}

/** Whole-number ticks from 0 to `max`, at most `count` of them. */
export function countTicks(max: number, count = 5): number[] {
  const step = Math.max(1, Math.ceil(max / Math.max(1, count - 1)));
  const out: number[] = [];
  for (let v = 0; v <= max; v += step) out.push(v);
  return out;
}

/** "Dr A. Jones" or "—" for rows written before readers were recorded. */
export const readerText = (name: string | null): string => name ?? '—';

/** An event of the monitoring log in the reader's words. */
export function eventText(e: Pick<AgreementEntry, 'event' | 'proposalId' | 'lesionId'>): string {
  switch (e.event) {
    case 'accepted':
      return 'accepted';
    case 'edited':
      return 'mask edited';
    case 'rejected':
      // A rejection with a lesion: the accepted finding was later found not to be a lesion.
      return e.lesionId !== null ? 'not a lesion (later)' : 'rejected';
    case 'missed':
      return 'missed';
  }
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
