/**
 * Seeded random numbers. Every stream is keyed by a string (patient seed,
 * timepoint, slice...) so any part of a phantom can be regenerated on its own,
 * in any order, and still come out bit-identical.
 */
import { createHash } from 'node:crypto';

/** 128 bits of state from a string key, via SHA-256. */
export function seedState(key: string): Uint32Array {
  const digest = createHash('sha256').update(key).digest();
  const state = new Uint32Array(4);
  for (let i = 0; i < 4; i++) state[i] = digest.readUInt32LE(i * 4);
  // sfc32 must not start from all zeros; SHA-256 makes that vanishingly rare anyway.
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[3] = 1;
  return state;
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting RNG): fast, passes PractRand. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareGaussian: number | null = null;

  constructor(key: string) {
    const s = seedState(key);
    this.a = s[0];
    this.b = s[1];
    this.c = s[2];
    this.d = s[3];
    // Discard a few outputs so nearby keys decorrelate fully.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t0 = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    const t = (t0 + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  bool(probability = 0.5): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Standard normal deviate (Box–Muller, both outputs used). */
  gaussian(): number {
    if (this.spareGaussian !== null) {
      const g = this.spareGaussian;
      this.spareGaussian = null;
      return g;
    }
    const u1 = (this.nextUint32() + 1) / 4294967297; // (0, 1]: log stays finite
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareGaussian = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /**
   * Add N(0, sigma²) to every element. Runs once per voxel (tens of millions
   * of times per series), so each 32-bit draw gives two deviates through a
   * 65 536-entry inverse-CDF table (quantiles of the standard normal; tails
   * reach ±4.4 σ), with the generator state held in locals.
   */
  addGaussianNoise(values: Float32Array, sigma: number): void {
    const table = NORMAL_QUANTILES;
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    const n = values.length;
    for (let i = 0; i < n; i += 2) {
      let t = (a + b) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      d = (d + 1) | 0;
      t = (t + d) | 0;
      c = (c + t) | 0;
      values[i] += sigma * table[t & 0xffff];
      if (i + 1 < n) values[i + 1] += sigma * table[t >>> 16];
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }
}

/**
 * Inverse of the standard normal CDF (P. J. Acklam's rational approximation,
 * relative error < 1.2e-9), for 0 < p < 1.
 */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - pLow) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

const NORMAL_QUANTILES: Float64Array = (() => {
  const table = new Float64Array(65536);
  for (let i = 0; i < table.length; i++) table[i] = normalQuantile((i + 0.5) / table.length);
  return table;
})();
