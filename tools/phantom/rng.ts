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
   * Add N(0, sigma²) to every element. Inlined generator state: this runs
   * once per voxel (tens of millions of times per series).
   */
  addGaussianNoise(values: Float32Array, sigma: number): void {
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    const n = values.length;
    const twoPi = 2 * Math.PI;
    for (let i = 0; i < n; i += 2) {
      let t = (a + b) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      d = (d + 1) | 0;
      t = (t + d) | 0;
      c = (c + t) | 0;
      const u1 = ((t >>> 0) + 1) / 4294967297;
      t = (a + b) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      d = (d + 1) | 0;
      t = (t + d) | 0;
      c = (c + t) | 0;
      const angle = twoPi * ((t >>> 0) / 4294967296);
      const r = sigma * Math.sqrt(-2 * Math.log(u1));
      values[i] += r * Math.cos(angle);
      if (i + 1 < n) values[i + 1] += r * Math.sin(angle);
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }
}
