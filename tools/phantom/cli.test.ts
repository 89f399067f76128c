import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliSummary, CliUsageError, main, parseCli } from './cli';

const root = mkdtempSync(join(tmpdir(), 'lgp-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    argv,
    (t) => (stdout += t),
    (t) => (stderr += t),
  );
  return { code, stdout, stderr };
}

describe('parseCli', () => {
  it('maps flags to options, leaving unset ones to the defaults', () => {
    const c = parseCli(['--out', 'x', '--size', '256', '--slice-mm', '1.25', '--encoding', 'unsigned', '--bits-stored', '12', '--labels']);
    expect(c.options).toEqual({ size: 256, sliceMm: 1.25, pixelEncoding: 'unsigned', bitsStored: 12, writeLabels: true });
    expect(c.patients).toBe(1);
    expect(c.outDir).toMatch(/x$/);
  });

  it.each([
    [['--size', '128'], /--out <dir> is required/],
    [['--out', 'x', '--sise', '128'], /Unknown option '--sise'/],
    [['--out', 'x', '--size', 'big'], /--size needs an integer, got "big"/],
    [['--out', 'x', '--size', '12.5'], /--size needs an integer/],
    [['--out', 'x', '--size', '16'], /--size must be an integer from 48 to 2048, got 16/],
    [['--out', 'x', '--slice-mm', '0'], /--slice-mm must be a number from 0.25 to 10, got 0/],
    [['--out', 'x', '--encoding', 'int16'], /--encoding must be "signed" or "unsigned"/],
    [['--out', 'x', '--bits-stored', '10'], /--bits-stored must be 12 or 16/],
    [['--out', 'x', '--patients', '0'], /--patients must be from 1/],
    [['--out', 'x', '--timepoints', '0'], /--timepoints must be an integer from 1/],
    [['--out', 'x', '--workers', '0'], /--workers must be an integer from 1 to 64/],
    [['--out', 'x', 'stray'], /positional/i],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(CliUsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});

describe('main', () => {
  it('exits 2 with a hint on bad options and writes nothing', async () => {
    const out = join(root, 'bad');
    const r = await run(['--out', out, '--size', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^phantom: --size needs an integer.*\nRun with --help/s);
    expect(existsSync(out)).toBe(false);
  });

  it('writes several patients and prints a JSON summary', async () => {
    const out = join(root, 'cohort');
    const r = await run(['--out', out, '--size', '96', '--slices', '40', '--slice-mm', '2.5', '--timepoints', '2', '--patients', '2', '--patient-id', 'TRAIN', '--seed', '5', '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as CliSummary;
    expect(summary.patients.map((p) => p.patientId)).toEqual(['TRAIN-001', 'TRAIN-002']);
    for (const p of summary.patients) {
      expect(p.fileCount).toBe(80);
      expect(p.seriesDirs.map((d) => readdirSync(d).length)).toEqual([40, 40]);
      const truth = JSON.parse(readFileSync(p.truthPath, 'utf8'));
      expect(truth.patient.patientId).toBe(p.patientId);
      expect(truth.lesions.map((l: { id: string }) => l.id)).toEqual(p.lesionIds);
    }
    // Different patients, different anatomy and lesions.
    const truths = summary.patients.map((p) => JSON.parse(readFileSync(p.truthPath, 'utf8')));
    expect(truths[0].liver.volumeMl).not.toBe(truths[1].liver.volumeMl);
  });

  it('runs as `npm run phantom` does (node --import tsx) and exits non-zero on errors', () => {
    const repo = join(import.meta.dirname, '..', '..');
    const ok = spawnSync(process.execPath, ['--import', 'tsx', 'tools/phantom/cli.ts', '--out', join(root, 'spawned'), '--size', '64', '--slices', '40', '--slice-mm', '2.5', '--timepoints', '1'], { cwd: repo, encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/LGP-1: 1 exams, 40 files/);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'tools/phantom/cli.ts', '--out', join(root, 'x'), '--bits-stored', '8'], { cwd: repo, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--bits-stored must be 12 or 16/);
  });
});
