/** `longitude series <id>` for a structured report and a segmentation: what they hold, as text and as JSON; honest exit codes. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const DCMQI = join(ROOT, '..', 'shared', 'data', 'dcmqi');
const home = mkdtempSync(join(tmpdir(), 'lng-cli-content-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function longitude(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'main', 'cli.ts'), ...args, '--home', join(home, 'lib')], { encoding: 'utf8', cwd: ROOT });
}

describe('longitude series <id> for SR and SEG', () => {
  it("prints dcmqi's report groups and its SEG's segments with volumes; --json is describeSeriesContent's result", () => {
    expect(longitude('import', join(DCMQI, 'sr-example'), join(DCMQI, 'ct-3slice'), join(DCMQI, 'liver.dcm'), '--json').status).toBe(0);
    const list = JSON.parse(longitude('list', '--json').stdout) as { patients: { studies: { series: { id: number; modality: string; description: string }[] }[] }[] };
    const all = list.patients.flatMap((p) => p.studies.flatMap((s) => s.series));
    const sr = all.find((s) => s.modality === 'SR')!;
    const petSeg = all.find((s) => s.modality === 'SEG' && s.description.startsWith('tumor'))!;
    const liverSeg = all.find((s) => s.modality === 'SEG' && s.description === 'Liver Segmentation')!;

    const text = longitude('series', String(sr.id));
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`series ${sr.id}: SR "tumor measurements - User2 Manual trial 1"`);
    expect(text.stdout).toContain('report "Imaging Measurement Report" (TID 1500), observer User2, time point 1, 2015-08-19, UNVERIFIED');
    expect(text.stdout).toContain(
      `primary tumor · UID 2.25.318774060119084600392715520575818119084 · finding Neoplasm, Primary · site pharyngeal tonsil (adenoid) · volume 33.582 mL · segment 1 of SEG series ${petSeg.id}`,
    );
    const json = longitude('series', String(sr.id), '--json');
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ seriesId: sr.id, kind: 'sr', sr: { documents: [{ groups: [{ trackingId: 'primary tumor', volumeMl: 33.5824 }] }] } });

    const seg = longitude('series', String(liverSeg.id));
    expect(seg.status, seg.stderr).toBe(0);
    expect(seg.stdout).toMatch(/BINARY segmentation, 512×512, 3 frames, made from series \d+/);
    expect(seg.stdout).toMatch(/1 "Liver" · Tissue \/ Liver · SEMIAUTOMATIC \(SlicerEditor\) · 3 frames · \d+ voxels · 70\.36\d mL/);
    const segJson = JSON.parse(longitude('series', String(petSeg.id), '--json').stdout);
    expect(segJson).toMatchObject({ kind: 'seg', seg: { volumesFrom: 'seg', targetSeriesId: null, segments: [{ label: 'Neoplasm, Primary', frames: 13, voxels: 795 }] } });
  });

  it('seg place puts the liver SEG on its CT once (exit 0, then nothing new); a SEG whose CT is missing exits 1 naming why; bad use exits 2', () => {
    const list = JSON.parse(longitude('list', '--json').stdout) as { patients: { studies: { series: { id: number; modality: string; description: string }[] }[] }[] };
    const all = list.patients.flatMap((p) => p.studies.flatMap((s) => s.series));
    const liverSeg = all.find((s) => s.modality === 'SEG' && s.description === 'Liver Segmentation')!;
    const petSeg = all.find((s) => s.modality === 'SEG' && s.description.startsWith('tumor'))!;
    const first = longitude('seg', 'place', '--series', String(liverSeg.id), '--json');
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ segSeriesId: liverSeg.id, masks: 1, skipped: [] });
    const again = longitude('seg', 'place', '--series', String(liverSeg.id));
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^placed 0 mask\(s\)/);
    const pet = longitude('seg', 'place', '--series', String(petSeg.id), '--json');
    expect(pet.status).toBe(1);
    expect(JSON.parse(pet.stdout).skipped.length).toBeGreaterThan(0);
    expect(longitude('seg', 'frob').status).toBe(2);
  });

  it('an unknown series exits 1 naming it; a bad id exits 2', () => {
    const missing = longitude('series', '4242');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/series 4242 is not in the library/);
    expect(longitude('series', 'abc').status).toBe(2);
  });
});
