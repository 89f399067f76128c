/** The demo patient: three exams in the library, measured, matched, with RECIST per exam. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app';
import { createDemoPatient } from './demoPatient';

const dir = mkdtempSync(join(tmpdir(), 'lng-demo-'));
let app: App;
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the demo patient', () => {
  it('is three measured exams, matched, with a RECIST response for each follow-up and its review queue', async () => {
    app = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 1 });
    const r = await createDemoPatient(app, app.homeDir, { size: 128, slices: 48 });
    expect(r).toMatchObject({ patientId: 'DEMO-1' });
    expect(r.studyRowIds).toHaveLength(3);
    const { table, assessment } = await app.getLesionTable(r.patientRowId);
    expect(assessment.recistErrors).toEqual([]);
    expect(assessment.recist!.timepoints.map((tp) => tp.baseline)).toEqual([true, false, false]);
    expect(assessment.recist!.timepoints.slice(1).every((tp) => tp.overallResponse !== null)).toBe(true);
    // Matching continued identities: fewer lesions than findings; a liver volume on every exam.
    expect(table.lesions.length).toBeLessThan(r.lesions);
    expect(Object.keys(table.liverVolumeMl)).toHaveLength(3);
    expect(assessment.lesionRoles.filter((x) => x.role === 'target')).toHaveLength(2);
    // The generated source is gone; the library keeps its copies.
    expect(readdirSync(app.homeDir).filter((n) => n.startsWith('demo-'))).toEqual([]);
    // A second demo is a second patient.
    expect((await createDemoPatient(app, app.homeDir, { size: 128, slices: 48 })).patientId).toBe('DEMO-2');
  }, 240_000);
});
