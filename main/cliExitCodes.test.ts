/** Honest exit codes: 0 done, 1 done with problems, 2 invalid use or nothing done; --help is 0. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const CT3 = join(ROOT, '..', 'shared', 'data', 'dcmqi', 'ct-3slice');
const home = mkdtempSync(join(tmpdir(), 'lng-exit-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function longitude(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'main', 'cli.ts'), ...args, '--home', join(home, 'lib')], { encoding: 'utf8', cwd: ROOT });
}

describe('CLI exit codes', () => {
  it('--help prints the usage and exits 0; no command exits 2', () => {
    const help = longitude('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/usage: longitude <command>/);
    expect(longitude().status).toBe(2);
  });

  it('importing a path that does not exist imports nothing: exit 2, the path named', () => {
    const r = longitude('import', join(home, 'no-such-folder'), '--json');
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).files).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'path does not exist' })]);
  });

  it('real DICOM beside a file that is not DICOM: imported with problems, exit 1; again: duplicates only, exit 0', () => {
    const mixed = join(home, 'mixed');
    spawnSync('cp', ['-r', CT3, mixed]);
    writeFileSync(join(mixed, 'notes.txt'), 'not an image');
    const first = longitude('import', mixed, '--json');
    expect(first.status).toBe(1);
    expect(JSON.parse(first.stdout)).toMatchObject({ imported: 3, skipped: 1 });
    const again = longitude('import', CT3, '--json');
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, duplicates: 3, skipped: 0 });
  });
});
