/**
 * A short crash test (the full one is `npm run crashtest -- --runs 1000`): the workstation is
 * killed with SIGKILL at random moments during import, mask save, measurement edit, AI accept,
 * follow-up decision, sign-off and migration; every restart must find an intact registry,
 * every acknowledged write, no row pointing at a missing file and no temporary left.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, runCrashTest } from './harness';
import { OPERATIONS } from './protocol';

const RUNS = Number(process.env.CRASHTEST_RUNS ?? 28);

describe('crash safety', () => {
  it(`${RUNS} kills -9 across every operation lose no acknowledged write and leave the library sound`, async () => {
    const report = await runCrashTest({ runs: RUNS, seed: 11, seedOptions: { importPool: 12, aiRuns: 1, migrationRows: 8000 } });
    const text = formatReport(report);
    expect(report.failed, text).toBe(0);
    expect(report.losses).toBe(0);
    expect(report.integrityFailures).toBe(0);
    expect(Object.keys(report.perOp).sort()).toEqual([...OPERATIONS].sort());
    // The kills landed while work was going on, not only after it.
    const killed = report.runs.filter((r) => r.killedAtMs !== null).length;
    expect(killed).toBeGreaterThanOrEqual(Math.floor(RUNS * 0.6));
    expect(report.runs.reduce((s, r) => s + r.acked, 0)).toBeGreaterThan(0);
  }, 240_000);
});
