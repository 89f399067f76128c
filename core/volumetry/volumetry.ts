/**
 * Volumetry of liver lesions across exams: tumour burden, growth rate, specific growth rate and
 * volume doubling time. Volumes come in measured (segmentations); nothing here re-measures them.
 *
 * Growth model: exponential between two exams, V(t) = V1 · e^(SGR·t).
 * - Volume doubling time VDT = Δt · ln 2 / ln(V2 / V1) (Schwartz M, "A biomathematical approach to
 *   clinical tumor growth", Cancer 1961;14:1272–1294; the usual form in nodule and metastasis follow-up).
 * - Specific growth rate SGR = ln(V2 / V1) / Δt, i.e. ln 2 / VDT (Mehrara E et al., "Specific growth
 *   rate versus doubling time for quantitative characterization of tumor growth rate", Cancer Res
 *   2007;67:3970–3975): unlike VDT it stays finite and continuous through "no change" and shrinkage.
 */
import { daysBetween } from '../dates';

/** Average Gregorian month (365.25 / 12 days): a "per month" rate that does not depend on the calendar. */
export const DAYS_PER_MONTH = 30.4375;

/**
 * - growing / shrinking: both volumes > 0; VDT positive / negative (a negative VDT is a halving time)
 * - stable: equal volumes > 0; no doubling ever (VDT undefined, reported null)
 * - appeared / vanished / absent: a zero volume at one or both ends; no exponential rate exists
 */
export type GrowthKind = 'growing' | 'shrinking' | 'stable' | 'appeared' | 'vanished' | 'absent';

export interface Growth {
  intervalDays: number;
  fromVolumeMl: number;
  toVolumeMl: number;
  changeMl: number;
  /** Null when the first volume is 0. */
  changePct: number | null;
  /** Linear rate (V2 − V1) / Δt. */
  growthRateMlPerDay: number;
  /** Exponential model: (e^(SGR · 30.4375 d) − 1) × 100; null without a rate. */
  growthPctPerMonth: number | null;
  /** SGR × 100, in % per day; null when a volume is 0. */
  specificGrowthRatePctPerDay: number | null;
  /** Negative when shrinking (its magnitude is the halving time); null when stable or a volume is 0. */
  doublingTimeDays: number | null;
  kind: GrowthKind;
  explanation: string;
}

function checkVolume(name: string, ml: number): void {
  if (!Number.isFinite(ml) || ml < 0) throw new RangeError(`${name} must be a volume ≥ 0 mL (got ${ml})`);
}

/** Volume doubling time in days; negative = halving time; null when the volume did not change or a volume is 0. */
export function volumeDoublingTimeDays(fromVolumeMl: number, toVolumeMl: number, intervalDays: number): number | null {
  const sgr = specificGrowthRatePerDay(fromVolumeMl, toVolumeMl, intervalDays);
  return sgr === null || sgr === 0 ? null : Math.LN2 / sgr;
}

/** ln(V2/V1)/Δt per day; null when a volume is 0 (the logarithm is undefined). */
export function specificGrowthRatePerDay(fromVolumeMl: number, toVolumeMl: number, intervalDays: number): number | null {
  checkVolume('the first volume', fromVolumeMl);
  checkVolume('the second volume', toVolumeMl);
  if (!Number.isFinite(intervalDays) || intervalDays <= 0) throw new RangeError(`the interval between exams must be > 0 days (got ${intervalDays})`);
  if (fromVolumeMl === 0 || toVolumeMl === 0) return null;
  return Math.log(toVolumeMl / fromVolumeMl) / intervalDays;
}

/** Growth between two volumes `intervalDays` apart, with a sentence saying what the numbers mean. */
export function growthBetween(fromVolumeMl: number, toVolumeMl: number, intervalDays: number): Growth {
  const sgr = specificGrowthRatePerDay(fromVolumeMl, toVolumeMl, intervalDays);
  const changeMl = toVolumeMl - fromVolumeMl;
  const vdt = sgr === null || sgr === 0 ? null : Math.LN2 / sgr;
  const base = {
    intervalDays,
    fromVolumeMl,
    toVolumeMl,
    changeMl,
    changePct: fromVolumeMl === 0 ? null : (changeMl / fromVolumeMl) * 100,
    growthRateMlPerDay: changeMl / intervalDays,
    growthPctPerMonth: sgr === null ? null : Math.expm1(sgr * DAYS_PER_MONTH) * 100,
    specificGrowthRatePctPerDay: sgr === null ? null : sgr * 100,
    doublingTimeDays: vdt,
  };
  const span = `${fmt(fromVolumeMl)} → ${fmt(toVolumeMl)} mL in ${fmt(intervalDays)} days`;
  let kind: GrowthKind;
  let explanation: string;
  if (fromVolumeMl === 0 && toVolumeMl === 0) {
    kind = 'absent';
    explanation = `${span}: absent at both exams, no growth`;
  } else if (fromVolumeMl === 0) {
    kind = 'appeared';
    explanation = `${span}: appeared (0 mL before); no doubling time from a zero volume`;
  } else if (toVolumeMl === 0) {
    kind = 'vanished';
    explanation = `${span}: vanished; no doubling time to a zero volume`;
  } else if (vdt === null) {
    kind = 'stable';
    explanation = `${span}: no change, so the volume never doubles (doubling time undefined)`;
  } else if (vdt > 0) {
    kind = 'growing';
    explanation = `${span}: doubling time ${fmt(vdt)} days (VDT = Δt·ln2/ln(V2/V1)), ${fmt(base.growthPctPerMonth!)}% per month`;
  } else {
    kind = 'shrinking';
    explanation = `${span}: negative doubling time ${fmt(vdt)} days, i.e. the volume halves every ${fmt(-vdt)} days (${fmt(base.growthPctPerMonth!)}% per month)`;
  }
  return { ...base, kind, explanation };
}

/** Sum of lesion volumes as a percentage of the liver volume (the whole liver, lesions included). */
export function tumorBurdenPct(lesionVolumesMl: readonly number[], liverVolumeMl: number): number {
  if (!Number.isFinite(liverVolumeMl) || liverVolumeMl <= 0) throw new RangeError(`the liver volume must be > 0 mL (got ${liverVolumeMl})`);
  let totalMl = 0;
  for (const v of lesionVolumesMl) {
    checkVolume('a lesion volume', v);
    totalMl += v;
  }
  // The lesions lie inside the liver: more lesion than liver means the liver mask left them out.
  if (totalMl > liverVolumeMl) throw new RangeError(`lesion volumes (${fmt(totalMl)} mL) exceed the liver volume (${fmt(liverVolumeMl)} mL); the liver volume must include the lesions`);
  return (totalMl / liverVolumeMl) * 100;
}

export interface VolumetryExam {
  date: string;
  liverVolumeMl: number;
  /** Lesion id → volume in mL; 0 = not (or no longer) visible; a missing id = not measured on this exam. */
  lesionVolumesMl: Readonly<Record<string, number>>;
}

export interface VolumetryExamResult {
  date: string;
  liverVolumeMl: number;
  totalLesionVolumeMl: number;
  tumorBurdenPct: number;
  explanation: string;
}

export interface VolumetryInterval {
  fromDate: string;
  toDate: string;
  /** Growth of the summed volume of the lesions measured on both exams. */
  total: Growth;
  lesions: Record<string, Growth>;
  /** Lesions measured on only one of the two exams: no growth can be computed for them. */
  unpairedLesionIds: string[];
}

export interface VolumetryAssessment {
  exams: VolumetryExamResult[];
  intervals: VolumetryInterval[];
}

/** Burden per exam and growth between consecutive exams (dates strictly increasing). */
export function assessVolumetry(exams: readonly VolumetryExam[]): VolumetryAssessment {
  const results: VolumetryExamResult[] = exams.map((e) => {
    const volumes = Object.values(e.lesionVolumesMl);
    let burden: number;
    try {
      burden = tumorBurdenPct(volumes, e.liverVolumeMl);
    } catch (err) {
      throw new RangeError(`exam ${e.date}: ${(err as Error).message}`);
    }
    const totalLesionVolumeMl = volumes.reduce((a, b) => a + b, 0);
    return {
      date: e.date,
      liverVolumeMl: e.liverVolumeMl,
      totalLesionVolumeMl,
      tumorBurdenPct: burden,
      explanation: `tumour burden ${fmt(burden)}% = ${fmt(totalLesionVolumeMl)} mL of lesions (${volumes.length}) / ${fmt(e.liverVolumeMl)} mL of liver × 100`,
    };
  });
  const intervals: VolumetryInterval[] = [];
  for (let i = 1; i < exams.length; i++) {
    const a = exams[i - 1];
    const b = exams[i];
    const days = daysBetween(a.date, b.date);
    if (days <= 0) throw new RangeError(`exam dates must increase: ${b.date} is not after ${a.date}`);
    const lesions: Record<string, Growth> = {};
    const unpairedLesionIds: string[] = [];
    let fromTotal = 0;
    let toTotal = 0;
    for (const id of new Set([...Object.keys(a.lesionVolumesMl), ...Object.keys(b.lesionVolumesMl)])) {
      const v1 = a.lesionVolumesMl[id];
      const v2 = b.lesionVolumesMl[id];
      if (v1 === undefined || v2 === undefined) {
        unpairedLesionIds.push(id);
        continue;
      }
      lesions[id] = growthBetween(v1, v2, days);
      fromTotal += v1;
      toTotal += v2;
    }
    intervals.push({ fromDate: a.date, toDate: b.date, total: growthBetween(fromTotal, toTotal, days), lesions, unpairedLesionIds });
  }
  return { exams: results, intervals };
}

function fmt(x: number): string {
  return String(Math.round(x * 100) / 100);
}
