import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runRecistCommand } from './recistCli';

const dir = mkdtempSync(join(tmpdir(), 'lng-recist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Runs the command in-process and captures what it prints. */
async function recist(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const code = await runRecistCommand(argv);
  vi.restoreAllMocks();
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

// The example of the issue, followed by two exams: 32 → 20 → 24 mm.
const CASE = {
  lesions: [
    { id: 'L1', organ: 'liver', role: 'target', lymphNode: false },
    { id: 'L5', organ: 'peritoneum', role: 'non-target', lymphNode: false },
    { id: 'X1', organ: 'lung', role: 'new' },
  ],
  timepoints: [
    { date: '2024-01-10', target: { L1: { longAxisMm: 32, shortAxisMm: 20 } }, nonTarget: { L5: 'present' }, newLesions: false },
    { date: '2024-03-10', target: { L1: { longAxisMm: 20 } }, nonTarget: { L5: 'present' }, newLesions: false },
    { date: '2024-05-10', target: { L1: { longAxisMm: 24 } }, nonTarget: { L5: 'present' }, newLesions: ['X1'] },
  ],
};

describe('recist command', () => {
  it('prints the assessment as JSON', async () => {
    const r = await recist('--input', file('case.json', CASE));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.timepoints[1]).toMatchObject({
      date: '2024-03-10',
      sumMm: 20,
      nadirMm: 32,
      changeFromBaselinePct: -37.5,
      changeFromNadirPct: -37.5,
      targetResponse: 'PR',
      nonTargetResponse: 'non-CR/non-PD',
      newLesions: false,
      overallResponse: 'PR',
    });
    // +20% over the nadir but only +4 mm: not PD; −25% from baseline: not PR. The new lesion makes it PD.
    expect(out.timepoints[2]).toMatchObject({ sumMm: 24, nadirMm: 20, changeFromNadirPct: 20, targetResponse: 'SD', newLesions: true, overallResponse: 'PD' });
    expect(out.timepoints[2].explanation).toContain('New lesion(s): X1 → progression (RECIST 1.1 §4.3.5)');
    expect(out.bestOverallResponse).toBe('PR');
    expect(out.bestOverallResponseExplanation[0]).toMatch(/^BOR PR/);
  });

  it('--confirm requires confirmation: an unconfirmed PR followed by PD is SD', async () => {
    const out = JSON.parse((await recist('--input', file('case.json', CASE), '--confirm')).stdout);
    expect(out.options.requireConfirmation).toBe(true);
    expect(out.bestOverallResponse).toBe('SD');
  });

  it('numeric options override the case file', async () => {
    const r = await recist('--input', file('opts.json', { ...CASE, options: { sdMinDays: 56 } }), '--sd-min-days', '90', '--too-small-mm', '4');
    expect(JSON.parse(r.stdout).options).toEqual({ tooSmallMm: 4, requireConfirmation: false, confirmationMinDays: 28, sdMinDays: 90 });
    const bad = await recist('--input', file('case.json', CASE), '--sd-min-days', 'six weeks');
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toMatch(/--sd-min-days needs a number ≥ 0 \(got "six weeks"\)/);
  });

  it('an invalid case is exit code 2 with every problem named on stderr, nothing on stdout', async () => {
    const bad = structuredClone(CASE) as typeof CASE & { lesions: object[] };
    bad.timepoints[0].target = { L1: { longAxisMm: 8, shortAxisMm: 5 } };
    (bad.timepoints[1].target as Record<string, unknown>).L9 = { longAxisMm: 10 };
    const r = await recist('--input', file('bad.json', bad));
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(/invalid case .*bad\.json \(2 problems\)/);
    expect(r.stderr).toMatch(/target L1 is not eligible as a target — long axis 8 mm < 10 mm/);
    expect(r.stderr).toMatch(/target L9: unknown lesion id/);
  });

  it('six targets, three in one organ, a small nodal target: each refused by name', async () => {
    const lesions = ['A', 'B', 'C', 'D', 'E', 'F'].map((id, i) => ({ id, organ: i < 3 ? 'liver' : `organ${i}`, role: 'target', lymphNode: false }));
    const r = await recist('--input', file('six.json', { lesions, timepoints: [{ date: '2024-01-01', target: Object.fromEntries(lesions.map((l) => [l.id, { longAxisMm: 20 }])) }] }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/6 target lesions \(A, B, C, D, E, F\): RECIST 1.1 allows at most 5/);
    expect(r.stderr).toMatch(/3 target lesions in liver \(A, B, C\): RECIST 1.1 allows at most 2 per organ/);
    const nodal = await recist(
      '--input',
      file('node.json', { lesions: [{ id: 'N1', organ: 'hilum', role: 'target', lymphNode: true }], timepoints: [{ date: '2024-01-01', target: { N1: { longAxisMm: 22, shortAxisMm: 13 } } }] }),
    );
    expect(nodal.code).toBe(2);
    expect(nodal.stderr).toMatch(/target N1 is not eligible as a target — node short axis 13 mm is 10–<15 mm/);
  });

  it('malformed JSON, a missing file and a missing --input are exit code 2', async () => {
    const json = await recist('--input', file('broken.json', '{ "lesions": [ '));
    expect(json).toMatchObject({ code: 2, stdout: '' });
    expect(json.stderr).toMatch(/broken\.json is not valid JSON/);
    const missing = await recist('--input', join(dir, 'nope.json'));
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/cannot read case file .*nope\.json: no such file/);
    const none = await recist();
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--input <case.json> is required/);
    expect((await recist('--input', file('case.json', CASE), 'extra')).stderr).toMatch(/unexpected argument\(s\) extra/);
  });

  it('--help prints the usage', async () => {
    const r = await recist('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: longitude recist --input <case.json>/);
  });
});
