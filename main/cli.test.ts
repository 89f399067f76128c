import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const CT3 = join(ROOT, '..', 'shared', 'data', 'dcmqi', 'ct-3slice');
const home = mkdtempSync(join(tmpdir(), 'lng-cli-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** The `longitude` bin, as a user runs it, with the library chosen by LONGITUDE_HOME. */
function longitude(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'longitude.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, LONGITUDE_HOME: home },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('longitude CLI', () => {
  it('imports, lists and describes the dcmqi CT as JSON', () => {
    const imp = longitude('import', CT3, '--json');
    expect(imp.status, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ imported: 3, duplicates: 0, skipped: 0 });

    const list = JSON.parse(longitude('list', '--json').stdout);
    const series = list.patients[0].studies[0].series[0];
    expect(series).toMatchObject({ modality: 'CT', sliceCount: 3 });

    const out = longitude('series', String(series.id), '--json');
    expect(out.status, out.stderr).toBe(0);
    const detail = JSON.parse(out.stdout);
    expect(detail.geometry.dims).toEqual([512, 512, 3]);
    expect(detail.geometry.spacingMm[2]).toBeCloseTo(1.0, 6);
    expect(detail.geometry.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(detail.transferSyntaxes[0].name).toBe('Implicit VR Little Endian');
    expect(detail.huStats).toMatchObject({ minHu: -3024, maxHu: 1381, voxelCount: 786432 });
  });

  it('explains bad usage with exit code 2', () => {
    const r = longitude('series', 'abc');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/series needs a numeric series id/);
    expect(longitude('frobnicate').status).toBe(2);
  });

  it('names a missing series', () => {
    const r = longitude('series', '4242');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/series 4242 is not in the library/);
  });
});
