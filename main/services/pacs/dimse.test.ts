import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePatient } from '../../../tools/phantom/index';
import { freePort, orthancAvailable, startOrthanc, type OrthancHandle } from '../../../tools/testing/orthanc';
import { DimseTransport, type DimseTransportOptions } from './dimse';
import { StoreReceiver, part10Header, peekDatasetUids, readPart10Meta, type AssociationEnded, type AssociationRefused, type ReceivedInstance } from './receiver';
import { PacsError } from './transport';

const DATA = join(__dirname, '../../../../shared/data');
const GE_CT = ['01', '02', '03'].map((f) => join(DATA, 'dcmqi/ct-3slice', `${f}.dcm`));
const GE_STUDY = '1.2.392.200103.20080913.113635.0.2009.6.22.21.43.10.22941.1';
const OTHER_CT = join(DATA, 'highdicom/ct_image.dcm');
const STORESCU = '/usr/bin/storescu';
// dcmjs reading the GE files' "xs" VRs says so on every read.
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

function tmp(tag: string): string {
  return mkdtempSync(join(tmpdir(), `lng-dimse-${tag}-`));
}

/** Every file under dir, recursively. */
function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

function pixelData(bytes: Buffer): Buffer {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const dict = dcmjs.data.DicomMessage.readFile(ab, { ignoreErrors: true });
  const v = dict.dict['7FE00010']?.Value as ArrayBuffer[] | undefined;
  if (!v) throw new Error('no pixel data');
  return Buffer.concat(v.map((f) => Buffer.from(f)));
}

function sopInstanceUid(bytes: Buffer): string {
  return readPart10Meta(bytes.subarray(0, 4096))!.sopInstanceUid;
}

/** sha256 of a Part 10 file's dataset (the bytes after its meta header), read in chunks. */
function datasetHash(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, 4096, 0);
    const meta = readPart10Meta(head.subarray(0, n))!;
    const h = createHash('sha256');
    const chunk = Buffer.alloc(1 << 20);
    let pos = meta.datasetOffset;
    for (;;) {
      const got = readSync(fd, chunk, 0, chunk.length, pos);
      if (!got) break;
      h.update(chunk.subarray(0, got));
      pos += got;
    }
    return h.digest('hex');
  } finally {
    closeSync(fd);
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

function expectNoPartFiles(dir: string): void {
  expect(walk(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
}

/**
 * A multi-frame grayscale word Secondary Capture written frame by frame (never whole in memory):
 * explicit VR little endian, `frames` frames of rows × columns 16-bit pixels.
 */
function writeBigInstance(file: string, o: { frames: number; rows: number; columns: number; studyUid: string; seriesUid: string; sopUid: string; patientId: string }): number {
  const sopClass = '1.2.840.10008.5.1.4.1.1.7.3';
  const el = (g: number, e: number, vr: string, value: Buffer): Buffer => {
    const long = vr === 'OB' || vr === 'OW';
    const h = Buffer.alloc(long ? 12 : 8);
    h.writeUInt16LE(g, 0);
    h.writeUInt16LE(e, 2);
    h.write(vr, 4, 'latin1');
    if (long) h.writeUInt32LE(value.length, 8);
    else h.writeUInt16LE(value.length, 6);
    return Buffer.concat([h, value]);
  };
  const str = (s: string, pad = ' ') => Buffer.from(s.length % 2 ? s + pad : s, 'latin1');
  const us = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n, 0);
    return b;
  };
  const frameBytes = o.rows * o.columns * 2;
  const pixelLength = frameBytes * o.frames;
  const pixelHeader = Buffer.alloc(12);
  pixelHeader.writeUInt16LE(0x7fe0, 0);
  pixelHeader.writeUInt16LE(0x0010, 2);
  pixelHeader.write('OW', 4, 'latin1');
  pixelHeader.writeUInt32LE(pixelLength, 8);
  const head = Buffer.concat([
    part10Header({ sopClassUid: sopClass, sopInstanceUid: o.sopUid, transferSyntaxUid: '1.2.840.10008.1.2.1' }),
    el(0x0008, 0x0016, 'UI', str(sopClass, '\0')),
    el(0x0008, 0x0018, 'UI', str(o.sopUid, '\0')),
    el(0x0008, 0x0020, 'DA', str('20240102')),
    el(0x0008, 0x0060, 'CS', str('OT')),
    el(0x0008, 0x0064, 'CS', str('WSD')),
    el(0x0010, 0x0010, 'PN', str('BIG^INSTANCE')),
    el(0x0010, 0x0020, 'LO', str(o.patientId)),
    el(0x0020, 0x000d, 'UI', str(o.studyUid, '\0')),
    el(0x0020, 0x000e, 'UI', str(o.seriesUid, '\0')),
    el(0x0020, 0x0013, 'IS', str('1')),
    el(0x0028, 0x0002, 'US', us(1)),
    el(0x0028, 0x0004, 'CS', str('MONOCHROME2')),
    el(0x0028, 0x0008, 'IS', str(String(o.frames))),
    el(0x0028, 0x0010, 'US', us(o.rows)),
    el(0x0028, 0x0011, 'US', us(o.columns)),
    el(0x0028, 0x0100, 'US', us(16)),
    el(0x0028, 0x0101, 'US', us(16)),
    el(0x0028, 0x0102, 'US', us(15)),
    el(0x0028, 0x0103, 'US', us(0)),
    pixelHeader,
  ]);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, head);
    const frame = Buffer.alloc(frameBytes);
    for (let f = 0; f < o.frames; f++) {
      for (let i = 0; i < frameBytes / 2; i++) frame.writeUInt16LE((i * 7 + f * 131) & 0xffff, i * 2);
      writeSync(fd, frame);
    }
  } finally {
    closeSync(fd);
  }
  return head.length + pixelLength;
}

// A full GC on demand: live memory (not garbage waiting for a collection) is what is measured.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Samples the live heap + external memory (after a full GC, and a turn of the event loop for
 * freed buffers to be counted out) while `fn` runs; the growth of the peak over the start. An
 * instance held in memory until it is complete would show its size; a stream shows a few MB.
 */
async function peakMemoryGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; growth: number; samples: number }> {
  const live = async () => {
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const start = await live();
  let peak = start;
  let samples = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await live());
      samples++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    const result = await fn();
    return { result, growth: peak - start, samples };
  } finally {
    running = false;
    await sampler;
  }
}

describe('receiver helpers', () => {
  it('writes a Part 10 header that reads back, and finds the UIDs at the start of a dataset', () => {
    const h = part10Header({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '1.2.3.4.5', transferSyntaxUid: '1.2.840.10008.1.2.1', sourceAet: 'PACS' });
    const m = readPart10Meta(h)!;
    expect(m).toEqual({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '1.2.3.4.5', transferSyntaxUid: '1.2.840.10008.1.2.1', datasetOffset: h.length });
    // A real file: implicit VR (GE CT) and explicit VR with sequences of undefined length before group 0020 (highdicom).
    for (const f of [GE_CT[0], OTHER_CT]) {
      const bytes = readFileSync(f);
      const meta = readPart10Meta(bytes)!;
      const uids = peekDatasetUids(bytes.subarray(meta.datasetOffset, meta.datasetOffset + 64 * 1024), meta.transferSyntaxUid);
      const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)).dict);
      expect(uids).toEqual({ sopClassUid: ds.SOPClassUID, sopInstanceUid: ds.SOPInstanceUID, studyInstanceUid: ds.StudyInstanceUID, seriesInstanceUid: ds.SeriesInstanceUID });
    }
    expect(readPart10Meta(Buffer.from('not dicom'))).toBeNull();
  });
});

const ORTHANC = orthancAvailable();

describe.skipIf(!ORTHANC)(
  `DIMSE transport and C-STORE receiver against a real Orthanc 1.10${ORTHANC ? '' : ' — SKIPPED: Orthanc is not installed (apt-get install orthanc orthanc-dicomweb)'}`,
  () => {
    let o: OrthancHandle;
    let dir: string;
    let receiver: StoreReceiver;
    let receiverPort: number;
    const received: ReceivedInstance[] = [];
    const ended: AssociationEnded[] = [];
    /** SOP Instance UID → the file uploaded. */
    const originals = new Map<string, Buffer>();
    let phantom: { studyUid: string; seriesUid: string; studyDate: string; instances: number; patientId: string };

    beforeAll(async () => {
      dir = tmp('orthanc');
      receiverPort = await freePort();
      const [server, written] = await Promise.all([
        startOrthanc({ modalities: { LNG: ['LONGITUDE', '127.0.0.1', receiverPort] } }),
        writePatient(join(dir, 'phantom'), { seed: 'dimse', size: 64, slices: 20, sliceMm: 5, timepoints: 1, patientId: 'DIMSE-1' }),
      ]);
      o = server;
      const files = [...GE_CT, ...readdirSync(written.seriesDirs[0]).map((f) => join(written.seriesDirs[0], f))];
      for (const f of files) {
        const bytes = readFileSync(f);
        originals.set(sopInstanceUid(bytes), bytes);
        await o.upload(bytes);
      }
      const tp = written.truth.timepoints[0];
      phantom = { studyUid: tp.studyInstanceUid, seriesUid: tp.seriesInstanceUid, studyDate: tp.studyDate, instances: written.fileCount, patientId: 'DIMSE-1' };
      receiver = new StoreReceiver({ aeTitle: 'LONGITUDE', port: receiverPort, host: '127.0.0.1', incomingDir: join(dir, 'incoming'), log: () => {} });
      receiver.on('received', (r) => received.push(r));
      receiver.on('association-released', (e) => ended.push(e));
      await receiver.start();
    });
    afterAll(async () => {
      await receiver?.stop();
      await o?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const pacs = (extra: Partial<DimseTransportOptions> = {}) =>
      new DimseTransport({ nodeName: 'Orthanc', callingAet: 'LONGITUDE', calledAet: 'ORTHANC', host: '127.0.0.1', port: o.dicomPort, retrieveMethod: 'c-get', timeoutMs: 10_000, ...extra });

    const expectSameInstances = (files: string[], uids: string[]) => {
      expect(files.map((f) => sopInstanceUid(readFileSync(f))).sort()).toEqual([...uids].sort());
      for (const f of files) {
        const bytes = readFileSync(f);
        const uid = sopInstanceUid(bytes);
        expect(f.endsWith(`${uid}.dcm`)).toBe(true);
        expect(pixelData(bytes).equals(pixelData(originals.get(uid)!))).toBe(true);
      }
    };
    const phantomUids = () => [...originals.keys()].filter((u) => !GE_CT.some((f) => sopInstanceUid(readFileSync(f)) === u));

    it('answers a C-ECHO', async () => {
      await expect(pacs().echo()).resolves.toBeUndefined();
    });

    it('finds studies by patient ID, name wildcard, date range and modality, and their series', async () => {
      const t = pacs();
      const byId = await t.findStudies({ patientId: 'DIMSE-1' });
      expect(byId).toHaveLength(1);
      const s = byId[0];
      expect(s).toMatchObject({ studyInstanceUid: phantom.studyUid, patientId: 'DIMSE-1', modalities: ['CT'], seriesCount: 1, instanceCount: phantom.instances });
      expect(s.studyDate).toBe(`${phantom.studyDate.slice(0, 4)}-${phantom.studyDate.slice(4, 6)}-${phantom.studyDate.slice(6, 8)}`);
      expect(s.patientName).toMatch(/DIMSE-1/);
      expect(s.studyTime).toMatch(/^\d{2}:\d{2}:\d{2}$/);

      const byName = await t.findStudies({ patientName: `${s.patientName.slice(0, 6)}*` });
      expect(byName.map((x) => x.studyInstanceUid)).toContain(phantom.studyUid);
      expect(byName.map((x) => x.studyInstanceUid)).not.toContain(GE_STUDY);

      const inRange = await t.findStudies({ studyDate: `${phantom.studyDate}-${phantom.studyDate}` });
      expect(inRange.map((x) => x.studyInstanceUid)).toEqual([phantom.studyUid]);
      const before = await t.findStudies({ studyDate: `-${Number(phantom.studyDate) - 1}` });
      expect(before.map((x) => x.studyInstanceUid)).not.toContain(phantom.studyUid);

      const ct = await t.findStudies({ modality: 'CT' });
      expect(ct.map((x) => x.studyInstanceUid).sort()).toEqual([phantom.studyUid, GE_STUDY].sort());
      expect(await t.findStudies({ modality: 'MR' })).toEqual([]);
      expect((await t.findStudies({ studyInstanceUid: GE_STUDY }))[0]).toMatchObject({ instanceCount: 3 });

      const series = await t.findSeries(phantom.studyUid);
      expect(series).toEqual([expect.objectContaining({ studyInstanceUid: phantom.studyUid, seriesInstanceUid: phantom.seriesUid, modality: 'CT', instanceCount: phantom.instances })]);
    });

    it('retrieves by C-GET: complete files named by SOP Instance UID, the same pixels, no .part left', async () => {
      const dest = join(dir, 'get');
      const progress: { done: number; total: number | null }[] = [];
      const t0 = performance.now();
      const out = await pacs().retrieve({ studyInstanceUid: phantom.studyUid, destDir: dest, onProgress: (p) => progress.push(p) });
      const ms = performance.now() - t0;
      expect(out.expected).toBe(phantom.instances);
      expect(out.missing).toEqual([]);
      expect(out.files).toHaveLength(phantom.instances);
      expect(out.bytes).toBeGreaterThan(phantom.instances * 64 * 64 * 2);
      expectSameInstances(out.files, phantomUids());
      expect(progress.at(-1)).toMatchObject({ done: phantom.instances, total: phantom.instances });
      expectNoPartFiles(dest);
      console.info(`C-GET of ${phantom.instances} instances (64×64): ${ms.toFixed(0)} ms`);

      // The real GE CT (implicit VR in Orthanc) by series.
      const ge = await pacs().findSeries(GE_STUDY);
      const geOut = await pacs().retrieve({ studyInstanceUid: GE_STUDY, seriesInstanceUids: [ge[0].seriesInstanceUid], destDir: join(dir, 'get-ge') });
      expect(geOut).toMatchObject({ expected: 3, missing: [] });
      expectSameInstances(geOut.files, GE_CT.map((f) => sopInstanceUid(readFileSync(f))));
    });

    it('retrieves a JPEG Lossless instance by C-GET as it is stored (no transcoding)', async () => {
      // Orthanc makes a JPEG Lossless copy of a GE slice (new UIDs).
      const geId = ((await o.rest<string[]>('/tools/lookup', { method: 'POST', body: sopInstanceUid(readFileSync(GE_CT[0])) })) as unknown as { ID: string }[])[0].ID;
      const jpeg = Buffer.from(
        await (
          await fetch(`${o.url}/instances/${geId}/modify`, {
            method: 'POST',
            body: JSON.stringify({ Replace: { PatientID: 'DIMSE-JPEG' }, Transcode: '1.2.840.10008.1.2.4.70', Force: true }),
          })
        ).arrayBuffer(),
      );
      expect(readPart10Meta(jpeg)?.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.70');
      await o.upload(jpeg);
      const [study] = await pacs().findStudies({ patientId: 'DIMSE-JPEG' });
      const out = await pacs().retrieve({ studyInstanceUid: study.studyInstanceUid, destDir: join(dir, 'get-jpeg') });
      expect(out.files).toHaveLength(1);
      const got = readFileSync(out.files[0]);
      expect(readPart10Meta(got)?.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.70');
      expect(pixelData(got).equals(pixelData(jpeg))).toBe(true);
    });

    it('retrieves by C-MOVE to the receiver, which routes the instances to the retrieval folder', async () => {
      const dest = join(dir, 'move');
      const before = { received: received.length, ended: ended.length };
      const progress: { done: number; total: number | null }[] = [];
      const t0 = performance.now();
      const out = await pacs({ retrieveMethod: 'c-move', moveDestinationAet: 'LONGITUDE', receiver }).retrieve({
        studyInstanceUid: phantom.studyUid,
        seriesInstanceUids: [phantom.seriesUid],
        destDir: dest,
        onProgress: (p) => progress.push(p),
      });
      const ms = performance.now() - t0;
      expect(out).toMatchObject({ expected: phantom.instances, missing: [] });
      expect(out.files).toHaveLength(phantom.instances);
      expect(out.files.every((f) => f.startsWith(dest))).toBe(true);
      expectSameInstances(out.files, phantomUids());
      expect(progress.at(-1)?.done).toBe(phantom.instances);
      const mine = received.slice(before.received);
      expect(mine).toHaveLength(phantom.instances);
      expect(mine.every((r) => r.routed && r.callingAet === 'ORTHANC' && r.studyInstanceUid === phantom.studyUid)).toBe(true);
      // Orthanc's sub-association ends: none of its files is left for a push import.
      await waitFor(() => ended.length > before.ended);
      expect(ended.at(-1)).toMatchObject({ callingAet: 'ORTHANC', files: [], released: true });
      expect(ended.at(-1)!.routed).toHaveLength(phantom.instances);
      expectNoPartFiles(dest);
      expect(walk(receiver.incomingDir)).toEqual([]);
      console.info(`C-MOVE of ${phantom.instances} instances (64×64): ${ms.toFixed(0)} ms`);
    });

    it('sends files by C-STORE (as they are on disk) and Orthanc has them', async () => {
      const bytes = readFileSync(OTHER_CT);
      const uid = sopInstanceUid(bytes);
      const bogus = join(dir, 'not-dicom.dcm');
      writeFileSync(bogus, 'hello');
      const out = await pacs().store([OTHER_CT, bogus]);
      expect(out.stored).toEqual([{ file: OTHER_CT, sopInstanceUid: uid }]);
      expect(out.failed).toEqual([{ file: bogus, reason: expect.stringMatching(/not a DICOM Part 10 file/) }]);
      const found = (await o.rest('/tools/lookup', { method: 'POST', body: uid })) as unknown as { ID: string; Type: string }[];
      expect(found).toEqual([expect.objectContaining({ Type: 'Instance' })]);
      const stored = Buffer.from(await (await fetch(`${o.url}/instances/${found[0].ID}/file`)).arrayBuffer());
      expect(pixelData(stored).equals(pixelData(bytes))).toBe(true);
      const tags = await o.rest<Record<string, string>>(`/instances/${found[0].ID}/metadata?expand`);
      expect(tags.TransferSyntax).toBe(readPart10Meta(bytes)!.transferSyntaxUid);
      expect(tags.RemoteAET).toBe('LONGITUDE');
    });

    it('receives a push from Orthanc (REST /modalities/LNG/store): files in incomingDir, announced when the association ends', async () => {
      const before = { received: received.length, ended: ended.length };
      const ids = (await o.rest<{ ID: string }[]>('/tools/lookup', { method: 'POST', body: GE_STUDY }))[0].ID;
      const instances = await o.rest<{ ID: string }[]>(`/studies/${ids}/instances`);
      await o.rest('/modalities/LNG/store', { method: 'POST', body: JSON.stringify({ Resources: instances.map((i) => i.ID), Synchronous: true }) });
      await waitFor(() => ended.length > before.ended);
      const e = ended.at(-1)!;
      expect(e).toMatchObject({ callingAet: 'ORTHANC', routed: [], released: true });
      expect(e.files).toHaveLength(3);
      expect(e.files.every((f) => f.startsWith(receiver.incomingDir))).toBe(true);
      expectSameInstances(e.files, GE_CT.map((f) => sopInstanceUid(readFileSync(f))));
      expect(received.slice(before.received).map((r) => r.studyInstanceUid)).toEqual([GE_STUDY, GE_STUDY, GE_STUDY]);
      expect(receiver.status()).toMatchObject({ running: true, aeTitle: 'LONGITUDE', port: receiverPort });
      expectNoPartFiles(receiver.incomingDir);
      for (const f of e.files) rmSync(f);
    });

    describe.skipIf(!existsSync(STORESCU))('storescu (dcmtk) pushing to a receiver that accepts only some calling AEs', () => {
      let strict: StoreReceiver;
      let port: number;
      const refused: AssociationRefused[] = [];
      const got: AssociationEnded[] = [];
      beforeAll(async () => {
        port = await freePort();
        strict = new StoreReceiver({ aeTitle: 'LNGSTRICT', port, host: '127.0.0.1', allowedCallingAets: ['GOODSCU'], incomingDir: join(dir, 'strict'), log: () => {} });
        strict.on('association-rejected', (r) => refused.push(r));
        strict.on('association-released', (e) => got.push(e));
        await strict.start();
      });
      afterAll(() => strict?.stop());

      it('rejects an unknown calling AE and a wrong called AE, receives from an allowed one', async () => {
        const bad = await run(STORESCU, ['-aet', 'BADSCU', '-aec', 'LNGSTRICT', '127.0.0.1', String(port), GE_CT[0]]);
        expect(bad.code).not.toBe(0);
        expect(bad.out).toMatch(/Association Rejected/i);
        expect(refused.at(-1)).toMatchObject({ callingAet: 'BADSCU', reason: expect.stringMatching(/calling AE "BADSCU"/) });
        const wrongCalled = await run(STORESCU, ['-aet', 'GOODSCU', '-aec', 'SOMEONE', '127.0.0.1', String(port), GE_CT[0]]);
        expect(wrongCalled.code).not.toBe(0);
        expect(refused.at(-1)).toMatchObject({ calledAet: 'SOMEONE', reason: expect.stringMatching(/called AE/) });
        expect(walk(strict.incomingDir)).toEqual([]);

        const ok = await run(STORESCU, ['-aet', 'GOODSCU', '-aec', 'LNGSTRICT', '127.0.0.1', String(port), ...GE_CT]);
        expect(ok.code, ok.out).toBe(0);
        await waitFor(() => got.length > 0);
        expect(got[0]).toMatchObject({ callingAet: 'GOODSCU', calledAet: 'LNGSTRICT', released: true });
        expectSameInstances(got[0].files, GE_CT.map((f) => sopInstanceUid(readFileSync(f))));
        // Exactly the bytes sent: the dataset of each file is the original's.
        for (const f of got[0].files) expect(datasetHash(f)).toBe(datasetHash(GE_CT.find((g) => sopInstanceUid(readFileSync(g)) === sopInstanceUid(readFileSync(f)))!));
      });

      it('streams a large instance to disk: the heap does not grow by its size (push and C-GET)', async () => {
        const big = join(dir, 'big.dcm');
        const ids = { studyUid: '2.25.1000001', seriesUid: '2.25.1000002', sopUid: '2.25.1000003', patientId: 'DIMSE-BIG' };
        const size = writeBigInstance(big, { frames: 120, rows: 512, columns: 512, ...ids });
        expect(size).toBeGreaterThan(60e6);
        const before = got.length;
        const push = await peakMemoryGrowth(async () => {
          const r = await run(STORESCU, ['-aet', 'GOODSCU', '-aec', 'LNGSTRICT', '127.0.0.1', String(port), big]);
          expect(r.code, r.out).toBe(0);
          await waitFor(() => got.length > before);
        });
        const file = got.at(-1)!.files[0];
        expect(statSync(file).size).toBeGreaterThan(size - 1000);
        expect(datasetHash(file)).toBe(datasetHash(big));
        expect(push.samples).toBeGreaterThan(3);
        expect(push.growth).toBeLessThan(size / 4);
        console.info(`push of a ${(size / 1e6).toFixed(0)} MB instance: peak heap+external growth ${(push.growth / 1e6).toFixed(1)} MB`);

        // The same through Orthanc and back by C-GET.
        const up = await run(STORESCU, ['-aet', 'LONGITUDE', '-aec', 'ORTHANC', '127.0.0.1', String(o.dicomPort), big]);
        expect(up.code, up.out).toBe(0);
        const dest = join(dir, 'get-big');
        const t0 = performance.now();
        const get = await peakMemoryGrowth(() => pacs().retrieve({ studyInstanceUid: ids.studyUid, destDir: dest }));
        const ms = performance.now() - t0;
        expect(get.result.files).toHaveLength(1);
        expect(datasetHash(get.result.files[0])).toBe(datasetHash(big));
        expect(get.samples).toBeGreaterThan(3);
        expect(get.growth).toBeLessThan(size / 4);
        console.info(`C-GET of a ${(size / 1e6).toFixed(0)} MB instance: ${ms.toFixed(0)} ms, peak heap+external growth ${(get.growth / 1e6).toFixed(1)} MB`);
        rmSync(big);
      });
    });

    describe('errors', () => {
      const codeOf = async (p: Promise<unknown>): Promise<PacsError> => {
        try {
          await p;
        } catch (e) {
          expect(e).toBeInstanceOf(PacsError);
          return e as PacsError;
        }
        throw new Error('expected a PacsError');
      };

      it('a closed port is unreachable', async () => {
        const e = await codeOf(pacs({ port: await freePort() }).echo());
        expect(e.code).toBe('unreachable');
        expect(e.message).toMatch(/Orthanc .*cannot be reached/);
      });

      it('a peer that never answers times out', async () => {
        const silent: Server = createServer(() => {});
        await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
        try {
          const e = await codeOf(pacs({ port: (silent.address() as { port: number }).port, timeoutMs: 1500 }).findStudies({ patientId: 'X' }));
          expect(e.code).toBe('timeout');
        } finally {
          silent.close();
        }
      });

      it('a wrong called AE is rejected', async () => {
        const e = await codeOf(pacs({ calledAet: 'NOT-ORTHANC' }).echo());
        expect(e.code).toBe('rejected');
        expect(e.message).toMatch(/called AE title NOT-ORTHANC/);
      });

      it('a calling AE Orthanc does not know: echo allowed, C-FIND rejected (Orthanc aborts the association)', async () => {
        const stranger = pacs({ callingAet: 'STRANGER' });
        await expect(stranger.echo()).resolves.toBeUndefined();
        const e = await codeOf(stranger.findStudies({ patientId: 'DIMSE-1' }));
        expect(e.code).toBe('rejected');
        expect(e.message).toMatch(/calling AE STRANGER .*modalities/);
        const g = await codeOf(stranger.retrieve({ studyInstanceUid: phantom.studyUid, destDir: join(dir, 'stranger') }));
        expect(g.code).toBe('rejected');
        expectNoPartFiles(join(dir, 'stranger'));
      });

      it('a C-MOVE to a destination Orthanc does not know', async () => {
        const e = await codeOf(pacs({ retrieveMethod: 'c-move', moveDestinationAet: 'NOBODY', receiver }).retrieve({ studyInstanceUid: phantom.studyUid, destDir: join(dir, 'nobody') }));
        expect(e.code).toBe('move-destination-unknown');
        expect(e.message).toMatch(/destination AE NOBODY/);
      });

      it('cancelling a C-GET mid-way: cancelled, no .part file, the PACS still answers', async () => {
        const dest = join(dir, 'cancel');
        mkdirSync(dest, { recursive: true });
        const ac = new AbortController();
        let seen = 0;
        const e = await codeOf(
          pacs().retrieve({
            studyInstanceUid: phantom.studyUid,
            destDir: dest,
            signal: ac.signal,
            onProgress: (p) => {
              seen = p.done;
              if (p.done === 3) ac.abort();
            },
          }),
        );
        expect(e.code).toBe('cancelled');
        expect(seen).toBeLessThan(phantom.instances);
        expectNoPartFiles(dest);
        expect(walk(dest).length).toBeLessThan(phantom.instances);
        await expect(pacs().echo()).resolves.toBeUndefined();
        // Already aborted: nothing starts.
        expect((await codeOf(pacs().echo(AbortSignal.abort()))).code).toBe('cancelled');
      });
    });
  },
);

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
