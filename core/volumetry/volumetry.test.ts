import { describe, expect, it } from 'vitest';
import { assessVolumetry, DAYS_PER_MONTH, type VolumetryExam, growthBetween, specificGrowthRatePerDay, tumorBurdenPct, volumeDoublingTimeDays } from './volumetry';

describe('tumorBurdenPct', () => {
  it('is the sum of lesion volumes over the liver volume × 100', () => {
    expect(tumorBurdenPct([12, 8, 5], 1600)).toBeCloseTo(1.5625, 12); // 25 / 1600
    expect(tumorBurdenPct([], 1500)).toBe(0);
  });
  it('refuses a liver volume ≤ 0, a negative lesion volume, and more lesion than liver', () => {
    expect(() => tumorBurdenPct([1], 0)).toThrow(/liver volume must be > 0 mL/);
    expect(() => tumorBurdenPct([-1], 1500)).toThrow(/lesion volume must be a volume ≥ 0 mL/);
    expect(() => tumorBurdenPct([900, 700], 1500)).toThrow(/lesion volumes \(1600 mL\) exceed the liver volume \(1500 mL\)/);
  });
});

describe('volume doubling time and specific growth rate (Schwartz 1961; Mehrara 2007)', () => {
  it('a volume that doubles in 60 days has a VDT of 60 days', () => {
    expect(volumeDoublingTimeDays(10, 20, 60)).toBeCloseTo(60, 12);
    expect(specificGrowthRatePerDay(10, 20, 60)).toBeCloseTo(Math.LN2 / 60, 15); // 0.011552 per day
  });
  it('8× in 90 days is three doublings: VDT 30 days', () => {
    expect(volumeDoublingTimeDays(1.5, 12, 90)).toBeCloseTo(30, 12);
  });
  it('shrinking gives a negative VDT whose magnitude is the halving time', () => {
    expect(volumeDoublingTimeDays(20, 5, 60)).toBeCloseTo(-30, 12); // halved twice in 60 days
  });
  it('no change: no doubling; a zero volume: undefined', () => {
    expect(volumeDoublingTimeDays(7, 7, 60)).toBeNull();
    expect(volumeDoublingTimeDays(0, 7, 60)).toBeNull();
    expect(volumeDoublingTimeDays(7, 0, 60)).toBeNull();
  });
  it('refuses a non-positive interval and negative volumes', () => {
    expect(() => volumeDoublingTimeDays(1, 2, 0)).toThrow(/interval between exams must be > 0 days/);
    expect(() => volumeDoublingTimeDays(-1, 2, 30)).toThrow(/first volume must be a volume ≥ 0 mL/);
  });
});

describe('growthBetween', () => {
  it('doubling in two average months: +41.42% per month, VDT 60.875 days', () => {
    const g = growthBetween(10, 20, 2 * DAYS_PER_MONTH);
    expect(g.kind).toBe('growing');
    expect(g.changeMl).toBe(10);
    expect(g.changePct).toBe(100);
    expect(g.growthRateMlPerDay).toBeCloseTo(10 / 60.875, 12); // 0.16427 mL/day
    expect(g.growthPctPerMonth).toBeCloseTo((Math.SQRT2 - 1) * 100, 10); // 41.42%
    expect(g.doublingTimeDays).toBeCloseTo(60.875, 10);
    expect(g.specificGrowthRatePctPerDay).toBeCloseTo((Math.LN2 / 60.875) * 100, 12); // 1.1386 %/day
    expect(g.explanation).toBe('10 → 20 mL in 60.88 days: doubling time 60.88 days (VDT = Δt·ln2/ln(V2/V1)), 41.42% per month');
  });
  it('halving: negative doubling time, said as a halving time', () => {
    const g = growthBetween(8, 4, 45);
    expect(g).toMatchObject({ kind: 'shrinking', changeMl: -4, changePct: -50 });
    expect(g.doublingTimeDays).toBeCloseTo(-45, 12);
    expect(g.growthRateMlPerDay).toBeCloseTo(-4 / 45, 12);
    expect(g.explanation).toMatch(/negative doubling time -45 days, i.e. the volume halves every 45 days/);
  });
  it('stable, appeared, vanished, absent', () => {
    expect(growthBetween(5, 5, 30)).toMatchObject({ kind: 'stable', doublingTimeDays: null, growthPctPerMonth: 0, specificGrowthRatePctPerDay: 0 });
    expect(growthBetween(5, 5, 30).explanation).toMatch(/no change, so the volume never doubles/);
    expect(growthBetween(0, 2, 30)).toMatchObject({ kind: 'appeared', changePct: null, doublingTimeDays: null, growthPctPerMonth: null });
    expect(growthBetween(2, 0, 30)).toMatchObject({ kind: 'vanished', changePct: -100, doublingTimeDays: null });
    expect(growthBetween(0, 0, 30)).toMatchObject({ kind: 'absent', growthRateMlPerDay: 0 });
  });
});

describe('assessVolumetry', () => {
  const exams: VolumetryExam[] = [
    { date: '2024-01-01', liverVolumeMl: 1600, lesionVolumesMl: { L1: 10, L2: 6 } },
    { date: '2024-03-01', liverVolumeMl: 1620, lesionVolumesMl: { L1: 20, L2: 3, L3: 1 } }, // 60 days later
  ];
  it('gives the burden per exam and the growth of each lesion and of the total', () => {
    const r = assessVolumetry(exams);
    expect(r.exams.map((e) => [e.totalLesionVolumeMl, e.tumorBurdenPct])).toEqual([
      [16, 1], // 16 / 1600
      [24, (24 / 1620) * 100], // 1.48%
    ]);
    expect(r.exams[0].explanation).toBe('tumour burden 1% = 16 mL of lesions (2) / 1600 mL of liver × 100');
    const [interval] = r.intervals;
    expect(interval.lesions.L1.doublingTimeDays).toBeCloseTo(60, 12);
    expect(interval.lesions.L2.doublingTimeDays).toBeCloseTo(-60, 12);
    // L3 was not measured on the first exam: left out of the paired total (16 → 23 mL), not treated as 0.
    expect(interval.unpairedLesionIds).toEqual(['L3']);
    expect(interval.total).toMatchObject({ fromVolumeMl: 16, toVolumeMl: 23, changeMl: 7 });
    expect(interval.total.doublingTimeDays).toBeCloseTo((60 * Math.LN2) / Math.log(23 / 16), 10); // 114.7 days
  });
  it('names the exam with an impossible volume, and refuses dates out of order', () => {
    expect(() => assessVolumetry([{ date: '2024-01-01', liverVolumeMl: 0, lesionVolumesMl: {} }])).toThrow(/exam 2024-01-01: the liver volume must be > 0 mL/);
    expect(() => assessVolumetry([exams[1], exams[0]])).toThrow(/exam dates must increase: 2024-01-01 is not after 2024-03-01/);
  });
});
