/**
 * Intensity normalisation before inference, following nnU-Net (Isensee et al.,
 * Nature Methods 18:203–211, 2021): CT is clipped to the [0.5, 99.5] percentiles of
 * the training foreground and z-scored with the training foreground mean/std (these
 * four numbers ship with each model); other modalities are z-scored per volume.
 * nnU-Net divides by max(std, 1e-8) so a flat image does not produce NaN; so do we.
 */

const MIN_STD = 1e-8;

export interface CtNormalization {
  clipMinHu: number;
  clipMaxHu: number;
  mean: number;
  std: number;
}

/** nnU-Net "CTNormalization": out = (clamp(v, clipMinHu, clipMaxHu) − mean) / max(std, 1e-8). */
export function ctClipZScore(data: ArrayLike<number>, p: CtNormalization): Float32Array {
  if (p.clipMinHu > p.clipMaxHu) throw new Error(`CT clip range is inverted: ${p.clipMinHu} > ${p.clipMaxHu} HU`);
  const std = Math.max(p.std, MIN_STD);
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] < p.clipMinHu ? p.clipMinHu : data[i] > p.clipMaxHu ? p.clipMaxHu : data[i];
    out[i] = (v - p.mean) / std;
  }
  return out;
}

/** Mean and population standard deviation (numpy's default, ddof = 0), in float64. */
export function meanStd(data: ArrayLike<number>): { mean: number; std: number } {
  const n = data.length;
  if (n === 0) return { mean: 0, std: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += data[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = data[i] - mean;
    ss += d * d;
  }
  return { mean, std: Math.sqrt(ss / n) };
}

/** nnU-Net "ZScoreNormalization" with the volume's own statistics: (v − mean) / max(std, 1e-8). */
export function zScore(data: ArrayLike<number>): Float32Array {
  const { mean, std } = meanStd(data);
  const s = Math.max(std, MIN_STD);
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] - mean) / s;
  return out;
}

/**
 * Linear min–max rescale to [outMin, outMax]. The input range defaults to the data's own
 * min and max; given explicitly (e.g. a HU window), values outside it are clamped.
 * A flat input maps to outMin.
 */
export function scaleToRange(
  data: ArrayLike<number>,
  opts: { outMin?: number; outMax?: number; inMin?: number; inMax?: number } = {},
): Float32Array {
  const outMin = opts.outMin ?? 0;
  const outMax = opts.outMax ?? 1;
  let inMin = opts.inMin;
  let inMax = opts.inMax;
  if (inMin === undefined || inMax === undefined) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < data.length; i++) {
      if (data[i] < lo) lo = data[i];
      if (data[i] > hi) hi = data[i];
    }
    inMin ??= lo;
    inMax ??= hi;
  }
  const out = new Float32Array(data.length);
  const span = inMax - inMin;
  if (!(span > 0)) {
    out.fill(outMin);
    return out;
  }
  const k = (outMax - outMin) / span;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] < inMin ? inMin : data[i] > inMax ? inMax : data[i];
    out[i] = outMin + (v - inMin) * k;
  }
  return out;
}
