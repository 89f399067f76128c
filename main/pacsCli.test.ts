/**
 * `longitude pacs …` against a real Orthanc, with the real CT of ../shared/data on it: add (the
 * secret from the environment, never an argument), list, echo, find, series, retrieve by WADO-RS
 * and C-GET, transfers; honest exit codes (0 done, 1 done with problems or a failed echo, 2 bad use).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, orthancAvailable, startOrthanc, type OrthancHandle } from '../tools/testing/orthanc';

const ROOT = join(import.meta.dirname, '..');
const CT3 = join(ROOT, '..', 'shared', 'data', 'dcmqi', 'ct-3slice');
const home = mkdtempSync(join(tmpdir(), 'lng-pacs-cli-'));
let orthanc: OrthancHandle;

function longitude(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'main', 'cli.ts'), ...args, '--home', join(home, 'lib')], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, ...env } });
}

describe.skipIf(!orthancAvailable())('longitude pacs', () => {
  beforeAll(async () => {
    // The workstation's AE (LONGITUDE, the receiver's default) is known to the PACS, as C-FIND/C-GET need.
    orthanc = await startOrthanc({ modalities: { LNG: ['LONGITUDE', '127.0.0.1', 11112] } });
    for (const f of readdirSync(CT3)) await orthanc.upload(readFileSync(join(CT3, f)));
  }, 60_000);
  afterAll(async () => {
    await orthanc?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('adds a node, lists it, echoes it; bad use exits 2', () => {
    const add = longitude(['pacs', 'add', 'pacs', '--dicomweb', orthanc.dicomweb, '--host', '127.0.0.1', '--port', String(orthanc.dicomPort), '--aet', orthanc.aet, '--json']);
    expect(add.status, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ name: 'pacs', retrieveMethod: 'wado-rs', aeTitle: 'ORTHANC' });
    const list = longitude(['pacs', 'list']);
    expect(list.stdout).toContain(`ORTHANC@127.0.0.1:${orthanc.dicomPort}`);
    expect(list.stdout).toMatch(/receiver: off as LONGITUDE on port 11112/);
    const echo = longitude(['pacs', 'echo', 'pacs', '--json']);
    expect(echo.status).toBe(0);
    expect(JSON.parse(echo.stdout)).toMatchObject({ dimse: { ok: true }, dicomweb: { ok: true } });
    expect(longitude(['pacs', 'add', 'x', '--auth', 'basic', '--user', 'u', '--dicomweb', 'http://127.0.0.1:9/dw']).status).toBe(2);
    expect(longitude(['pacs', 'frobnicate']).status).toBe(2);
    expect(longitude(['pacs', 'add', 'y', '--host', '127.0.0.1']).status).toBe(2);
  });

  it('a password comes from the environment and never reaches the registry; a failed echo exits 1 naming the node', async () => {
    const port = await freePort();
    const add = longitude(['pacs', 'add', 'remote', '--dicomweb', `http://127.0.0.1:${port}/dicom-web`, '--auth', 'basic', '--user', 'reader'], { LONGITUDE_PACS_SECRET: 'Pw-from-env-99' });
    expect(add.status, add.stderr).toBe(0);
    const registry = readdirSync(join(home, 'lib')).filter((f) => /sqlite|\.db/.test(f)).map((f) => readFileSync(join(home, 'lib', f)).toString('latin1')).join('');
    expect(registry).not.toContain('Pw-from-env-99');
    const echo = longitude(['pacs', 'echo', 'remote']);
    expect(echo.status).toBe(1);
    expect(echo.stdout).toMatch(/DICOMweb: failed — .*remote.*cannot be reached/);
    expect(longitude(['pacs', 'remove', 'remote']).status).toBe(0);
  });

  it('finds the real CT by patient ID and by name wildcard, lists its series', () => {
    const find = longitude(['pacs', 'find', 'pacs', '--patient-id', '99000', '--modality', 'CT', '--json']);
    expect(find.status, find.stderr).toBe(0);
    const studies = JSON.parse(find.stdout);
    expect(studies).toHaveLength(1);
    expect(studies[0]).toMatchObject({ patientId: '99000', inLibrary: false, instanceCount: 3 });
    const byName = longitude(['pacs', 'find', 'pacs', '--name', 'JANCT*', '--json']);
    expect(JSON.parse(byName.stdout).map((s: { studyInstanceUid: string }) => s.studyInstanceUid)).toEqual([studies[0].studyInstanceUid]);
    const series = longitude(['pacs', 'series', 'pacs', '--study', studies[0].studyInstanceUid, '--json']);
    expect(JSON.parse(series.stdout)).toEqual([expect.objectContaining({ modality: 'CT', instanceCount: 3, inLibrary: false })]);
    expect(longitude(['pacs', 'find', 'pacs', '--date', '2024-01-01']).status).toBe(2);
  });

  it('retrieves it by WADO-RS (imported) and again by C-GET (duplicates), then lists both transfers', () => {
    const uid = JSON.parse(longitude(['pacs', 'find', 'pacs', '--patient-id', '99000', '--json']).stdout)[0].studyInstanceUid;
    const web = longitude(['pacs', 'retrieve', 'pacs', '--study', uid, '--json']);
    expect(web.status, web.stderr).toBe(0);
    expect(JSON.parse(web.stdout)).toMatchObject({ method: 'wado-rs', expected: 3, received: 3, missing: [], report: { imported: 3 } });
    const get = longitude(['pacs', 'retrieve', 'pacs', '--study', uid, '--method', 'c-get']);
    expect(get.status, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/retrieved 3 of 3 instance\(s\).* by c-get; imported 0, duplicates 3, skipped 0/);
    const t = longitude(['pacs', 'transfers', '--json']);
    expect(JSON.parse(t.stdout).slice(0, 2).map((x: { method: string; status: string }) => `${x.method} ${x.status}`)).toEqual(['c-get done', 'wado-rs done']);
    // A study the PACS does not have: named, and not "done".
    const none = longitude(['pacs', 'retrieve', 'pacs', '--study', '1.2.3.4.5.6.7.8.9']);
    expect(none.status, none.stdout).toBe(1);
    expect(none.stderr + none.stdout).toMatch(/pacs has no study 1\.2\.3\.4\.5\.6\.7\.8\.9/);
  });

  it('listen receives a push from dcmtk storescu until Ctrl+C', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'main', 'cli.ts'), 'pacs', 'listen', '--aet', 'LNGTEST', '--port', String(port), '--allow', 'STORESCU', '--home', join(home, 'lib2')], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!/listening as LNGTEST/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(/listening as LNGTEST on port \d+, accepting STORESCU/);
    const push = spawnSync('storescu', ['-aet', 'STORESCU', '-aec', 'LNGTEST', '127.0.0.1', String(port), ...readdirSync(CT3).map((f) => join(CT3, f))], { encoding: 'utf8' });
    expect(push.status, push.stderr).toBe(0);
    const refused = spawnSync('storescu', ['-aet', 'STRANGER', '-aec', 'LNGTEST', '127.0.0.1', String(port), join(CT3, readdirSync(CT3)[0])], { encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    // The batch is imported when the association ends.
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
    const listed = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'main', 'cli.ts'), 'list', '--json', '--home', join(home, 'lib2')], { encoding: 'utf8', cwd: ROOT });
    expect(JSON.parse(listed.stdout).patients.map((p: { patientId: string }) => p.patientId)).toEqual(['99000']);
  }, 60_000);
});
