/**
 * The short fuzz CI runs (issue 11): a few hundred mutants of the real files in
 * ../shared/data through the real importer, in child processes. `npm run fuzz` runs the
 * long one (tools/fuzz/run.ts).
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/metrics/prng';
import { formatResult, runFuzz } from './fuzz';
import { buildAssets, mutate, walkSeed } from './mutate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('import fuzz', () => {
  it('is deterministic: a seed gives the same mutants byte for byte', async () => {
    const seed = walkSeed(readFileSync(join(__dirname, '..', '..', '..', 'shared', 'data', 'highdicom', 'ct_image.dcm')))!;
    const assets = await buildAssets();
    const draw = (s: number) => {
      const rng = mulberry32(s);
      return Array.from({ length: 40 }, () => mutate(rng, seed, assets));
    };
    const [a, b, c] = [draw(7), draw(7), draw(8)];
    expect(a.map((m) => m.mutations)).toEqual(b.map((m) => m.mutations));
    expect(a.every((m, i) => m.bytes.equals(b[i].bytes))).toBe(true);
    expect(a.some((m, i) => !m.bytes.equals(c[i].bytes))).toBe(true);
  });

  it('500 mutants: no crash, no hang, every file reported once, nothing half-registered, no raw error text', async () => {
    const result = await runFuzz({ count: 500, seed: 20261207, chunk: 250, open: 6, workers: 2 });
    const summary = formatResult(result);
    expect(result.crashes, summary).toEqual([]);
    expect(result.hangs, summary).toEqual([]);
    expect(result.missingFromReport, summary).toEqual([]);
    expect(result.halfRegistered, summary).toEqual([]);
    expect(result.strayTemporaries, summary).toEqual([]);
    expect(result.rawErrors, summary).toEqual([]);
    expect(result.opened.failedOther, summary).toEqual([]);
    expect(result.files).toBe(500);
    expect(result.peakRssMb, summary).toBeLessThanOrEqual(1024);
    expect(result.failures, summary).toEqual([]);
  }, 180_000);
});
