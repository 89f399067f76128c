/**
 * The wire form of a mask (a Uint8Array on the series grid, x fastest): run lengths,
 * alternating 0-runs and value-runs, starting with a 0-run (possibly empty). Masks are
 * sparse, so this stays small in JSON for either transport. Labels other than 0/1 are
 * carried as [value, length] pairs in `values` for each non-zero run.
 */
export interface MaskRle {
  length: number;
  /** [zeros, run, zeros, run, …] */
  runs: number[];
  /** Value of each non-zero run (omitted when all are 1). */
  values?: number[];
}

export function encodeMaskRle(mask: Uint8Array): MaskRle {
  const runs: number[] = [];
  const values: number[] = [];
  let i = 0;
  const n = mask.length;
  while (i < n) {
    let z = i;
    while (z < n && mask[z] === 0) z++;
    runs.push(z - i);
    if (z >= n) break;
    const v = mask[z];
    let e = z;
    while (e < n && mask[e] === v) e++;
    runs.push(e - z);
    values.push(v);
    i = e;
  }
  return values.every((v) => v === 1) ? { length: n, runs } : { length: n, runs, values };
}

export function decodeMaskRle(rle: MaskRle): Uint8Array {
  if (!rle || !Number.isInteger(rle.length) || rle.length < 0 || !Array.isArray(rle.runs)) throw new Error('mask must be { length, runs }');
  const out = new Uint8Array(rle.length);
  let pos = 0;
  for (let r = 0; r < rle.runs.length; r++) {
    const len = rle.runs[r];
    if (!Number.isInteger(len) || len < 0 || pos + len > rle.length) throw new Error(`mask run ${r} (${len}) runs past the mask length ${rle.length}`);
    if (r % 2 === 1) out.fill(rle.values ? rle.values[(r - 1) / 2] : 1, pos, pos + len);
    pos += len;
  }
  return out;
}
