/**
 * The PACS: a 300-slice 512×512 CT retrieved from a local Orthanc (Debian, DICOMweb plugin) by
 * WADO-RS, C-GET and C-MOVE, each beside dcmtk on the same data (getscu for C-GET and for
 * WADO-RS, movescu for C-MOVE; target ≤ 1.5×), all writing Part 10 files to disk; the whole
 * retrieval into the library (transfer + import); and C-STORE receive throughput (storescu
 * pushing the series to our receiver, and to dcmtk's storescp).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../main/services/app';
import { DicomwebTransport } from '../../main/services/pacs/dicomweb';
import { DimseTransport } from '../../main/services/pacs/dimse';
import { StoreReceiver } from '../../main/services/pacs/receiver';
import { writePatient } from '../phantom/index';
import { freePort, orthancAvailable, startOrthanc } from '../testing/orthanc';

function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`;
}
function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function ctSeries(size: number, slices: number): Promise<string> {
  const dir = join(tmpdir(), `longitude-bench-phantom-${size}x${slices}-v1`);
  const series = existsSync(dir) ? readdirSync(join(dir, 'BENCH-001')).find((d) => d.startsWith('t0_')) : undefined;
  if (series && readdirSync(join(dir, 'BENCH-001', series)).length === slices) return join(dir, 'BENCH-001', series);
  rmSync(dir, { recursive: true, force: true });
  console.log(`writing a ${size}×${size}×${slices} phantom series (once, cached in ${dir})…`);
  return (await writePatient(dir, { seed: 'bench', size, slices, timepoints: 1, patientId: 'BENCH-001' })).seriesDirs[0];
}

function waitForPort(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms)).then(() => {
    if (child.exitCode !== null) throw new Error(`storescp exited (${child.exitCode})`);
  });
}

async function timed<T>(runs: number, fn: (i: number) => Promise<T>): Promise<{ times: number[]; last: T }> {
  const times: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    last = await fn(i);
    times.push(performance.now() - t);
  }
  return { times, last: last! };
}

export async function benchPacs(runs: number, size: number, slices: number): Promise<[string, string, string][]> {
  if (!orthancAvailable()) return [['PACS', 'skipped', 'Orthanc is not installed (apt-get install orthanc orthanc-dicomweb)']];
  const src = await ctSeries(size, slices);
  const files = readdirSync(src).map((f) => join(src, f));
  const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
  const mb = bytes / 2 ** 20;
  const work = mkdtempSync(join(tmpdir(), 'longitude-bench-pacs-'));
  const ourPort = await freePort();
  const orthanc = await startOrthanc({ modalities: { LNG: ['LONGITUDE', '127.0.0.1', ourPort] } });
  const rows: [string, string, string][] = [];
  try {
    for (const f of files) await orthanc.upload(readFileSync(f));
    const found = await new DicomwebTransport({ nodeName: 'bench', baseUrl: orthanc.dicomweb, auth: { kind: 'none' } }).findStudies({ patientId: 'BENCH-001' });
    const studyUid = found[0].studyInstanceUid;
    const fresh = (name: string, i: number) => mkdtempSync(join(work, `${name}-${i}-`));

    const web = new DicomwebTransport({ nodeName: 'bench', baseUrl: orthanc.dicomweb, auth: { kind: 'none' } });
    const wado = await timed(runs, async (i) => {
      const r = await web.retrieve({ studyInstanceUid: studyUid, destDir: fresh('wado', i) });
      if (r.files.length !== slices) throw new Error(`WADO-RS delivered ${r.files.length} of ${slices}`);
      return r;
    });
    const getscu = await timed(runs, async (i) => {
      const r = spawnSync('getscu', ['-S', '-aet', 'LONGITUDE', '-aec', orthanc.aet, '127.0.0.1', String(orthanc.dicomPort), '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${studyUid}`, '-od', fresh('getscu', i)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`getscu failed: ${r.stderr}`);
    });
    const get = new DimseTransport({ nodeName: 'bench', callingAet: 'LONGITUDE', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, retrieveMethod: 'c-get' });
    const cget = await timed(runs, async (i) => {
      const r = await get.retrieve({ studyInstanceUid: studyUid, destDir: fresh('cget', i) });
      if (r.files.length !== slices) throw new Error(`C-GET delivered ${r.files.length} of ${slices}`);
      return r;
    });
    const movescu = await timed(runs, async (i) => {
      const r = spawnSync('movescu', ['-S', '-aet', 'LONGITUDE', '-aec', orthanc.aet, '-aem', 'LONGITUDE', '--port', String(ourPort), '127.0.0.1', String(orthanc.dicomPort), '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${studyUid}`, '-od', fresh('movescu', i)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`movescu failed: ${r.stderr}`);
    });
    const receiver = new StoreReceiver({ aeTitle: 'LONGITUDE', port: ourPort, host: '127.0.0.1', incomingDir: fresh('incoming', 0) });
    await receiver.start();
    let cmove: Awaited<ReturnType<typeof timed<unknown>>>;
    try {
      const move = new DimseTransport({ nodeName: 'bench', callingAet: 'LONGITUDE', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, retrieveMethod: 'c-move', moveDestinationAet: 'LONGITUDE', receiver });
      cmove = await timed(runs, async (i) => {
        const r = await move.retrieve({ studyInstanceUid: studyUid, destDir: fresh('cmove', i) });
        if (r.files.length !== slices) throw new Error(`C-MOVE delivered ${r.files.length} of ${slices}`);
        return r;
      });
    } finally {
      await receiver.stop();
    }
    const ratio = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(2)}×`;
    rows.push(
      [`PACS retrieve ${size}×${size}×${slices} CT (${mb.toFixed(0)} MB) WADO-RS`, ms(median(wado.times)), `${ratio(wado.times, getscu.times)} dcmtk getscu (${ms(median(getscu.times))}); ${(mb / (median(wado.times) / 1000)).toFixed(0)} MB/s; target ≤ 1.5×`],
      ['PACS retrieve, C-GET', ms(median(cget.times)), `${ratio(cget.times, getscu.times)} dcmtk getscu; target ≤ 1.5×`],
      ['PACS retrieve, C-MOVE to our receiver', ms(median(cmove.times)), `${ratio(cmove.times, movescu.times)} dcmtk movescu (${ms(median(movescu.times))}); target ≤ 1.5×`],
    );

    // Into the library: transfer and import, as a reader's "retrieve" does.
    const home = join(work, 'home');
    const app = createApp({ homeDir: home, mode: 'serve' });
    try {
      await app.savePacsNode({ name: 'bench', dicomwebUrl: orthanc.dicomweb, aeTitle: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort });
      const t = performance.now();
      const r = await app.retrievePacs({ name: 'bench', studyInstanceUid: studyUid, method: 'wado-rs' });
      const whole = performance.now() - t;
      rows.push(['PACS retrieve into the library (WADO-RS + import)', ms(whole), `${r.report.imported} imported; transfer ${ms(median(wado.times))} of it`]);
    } finally {
      await app.close();
    }

    // C-STORE receive: storescu pushes the series to our receiver, then to dcmtk's storescp.
    // Asynchronous: our receiver runs in this process, which must keep serving while storescu pushes.
    const push = (port: number, aet: string) =>
      new Promise<void>((resolve, reject) => {
        const c = spawn('storescu', ['-aet', 'PUSHER', '-aec', aet, '127.0.0.1', String(port), ...files], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        c.stderr.on('data', (d: Buffer) => (err += d.toString()));
        c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`storescu failed (${code}): ${err}`))));
      });
    const recvPort = await freePort();
    const ours = new StoreReceiver({ aeTitle: 'LONGITUDE', port: recvPort, host: '127.0.0.1', incomingDir: fresh('recv', 0) });
    await ours.start();
    let received: number[];
    try {
      received = (await timed(runs, async () => push(recvPort, 'LONGITUDE'))).times;
    } finally {
      await ours.stop();
    }
    const scpPort = await freePort();
    const scp = spawn('storescp', ['-aet', 'STORESCP', '-od', fresh('storescp', 0), String(scpPort)], { stdio: 'ignore' });
    let dcmtkRecv: number[];
    try {
      await waitForPort(scp, 500);
      dcmtkRecv = (await timed(runs, async () => push(scpPort, 'STORESCP'))).times;
    } finally {
      scp.kill('SIGKILL');
    }
    rows.push([`C-STORE receive, ${slices} instances pushed by storescu`, ms(median(received)), `${(mb / (median(received) / 1000)).toFixed(0)} MB/s, ${(slices / (median(received) / 1000)).toFixed(0)} instances/s; ${ratio(received, dcmtkRecv)} dcmtk storescp (${ms(median(dcmtkRecv))})`]);
    return rows;
  } finally {
    await orthanc.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
