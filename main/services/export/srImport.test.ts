/**
 * Reports written by others (highdicom's TID 1500 example on its CT): every lesion group becomes
 * a lesion that keeps its Tracking UID; what cannot be placed is named with why; anatomy is not
 * a lesion; importing again adds nothing.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app';
import { trackingUidOf } from '../lesions/lesionStore';
import { importSrMeasurements } from './srImport';

const DATA = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'highdicom');
const dir = mkdtempSync(join(tmpdir(), 'lng-sr-in-'));
let app: App;
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a TID 1500 report from highdicom', () => {
  it('gives the nodule a lesion with its Tracking UID, names what it could not place, and leaves anatomy out', async () => {
    mkdirSync(join(dir, 'in'));
    for (const f of ['ct_image.dcm', 'sr_document_with_multiple_groups.dcm']) copyFileSync(join(DATA, f), join(dir, 'in', f));
    app = createApp({ homeDir: join(dir, 'home'), mode: 'serve', workers: 1 });
    await app.importPaths([join(dir, 'in')]);
    const patient = (await app.listPatients())[0];
    const study = (await app.listStudies(patient.id))[0];
    const sr = (await app.listSeries(study.id)).find((s) => s.modality === 'SR')!;
    const r = importSrMeasurements(app.db, app.homeDir, sr.id);
    expect(r.lesionsCreated).toEqual(['L1']);
    expect(r.skipped).toEqual([
      'Image0001: no finding: not a lesion',
      'LungNodule0001: no diameter with its coordinates on an image; the lesion is kept without this measurement',
      'Aorta0001: Aorta is an anatomical structure, not a lesion',
      'Vertebra0001: Vertebra is an anatomical structure, not a lesion',
    ]);
    const [lesion] = await app.listLesions(patient.id);
    expect(lesion).toMatchObject({ label: 'L1', site: 'lung' });
    expect(trackingUidOf(app.db, lesion.id)).toBe('1.2.826.0.1.3680043.10.511.3.11998155355995483197548907108234588');
    expect(importSrMeasurements(app.db, app.homeDir, sr.id)).toMatchObject({ lesionsCreated: [], lesionsMatched: ['L1'], measurements: 0 });
  });
});
