/**
 * Seeded pseudo-random numbers, so that a bootstrap interval or a cohort split is
 * the same on every machine and every run with the same seed.
 *
 * mulberry32 (Tommy Ettinger, public domain; the 32-bit JavaScript form by bryc):
 * 32 bits of state, period 2³², fast, and good enough for resampling and shuffling.
 * It is not for cryptography.
 */
import { MetricError } from './errors';

/** A generator of uniform numbers in [0, 1). */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  if (!Number.isInteger(seed)) throw new MetricError(`the random seed must be an integer, got ${seed}`);
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in 0 … n−1. */
export function randomIndex(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher–Yates shuffle, in place; returns the same array. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomIndex(rng, i + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}
