import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePatient } from '../../../tools/phantom/index';
import { freePort, orthancAvailable, startOrthanc, type OrthancHandle } from '../../../tools/testing/orthanc';
import { DicomwebTransport, MultipartError, MultipartParser, multipartBoundary, part10SopInstanceUid, queryEncode, type DicomwebOptions } from './dicomweb';
import { PacsError } from './transport';

const DATA = join(__dirname, '../../../../shared/data');
const GE_CT = ['01', '02', '03'].map((f) => join(DATA, 'dcmqi/ct-3slice', `${f}.dcm`));
const OTHER_CT = join(DATA, 'highdicom/ct_image.dcm');

function collect(parser: MultipartParser, chunks: Uint8Array[]): { headers: Record<string, string>; body: Buffer }[] {
  const parts: { headers: Record<string, string>; body: Buffer[] }[] = [];
  const feed = (events: ReturnType<MultipartParser['push']>) => {
    for (const ev of events) {
      if (ev.type === 'part') parts.push({ headers: ev.headers, body: [] });
      else if (ev.type === 'data') parts[parts.length - 1].body.push(Buffer.from(ev.bytes));
    }
  };
  for (const c of chunks) feed(parser.push(c));
  feed(parser.end());
  return parts.map((p) => ({ headers: p.headers, body: Buffer.concat(p.body) }));
}

function multipart(boundary: string, bodies: Buffer[], opts: { preamble?: string; epilogue?: string; close?: boolean } = {}): Buffer {
  const chunks: Buffer[] = [Buffer.from(opts.preamble ?? '')];
  bodies.forEach((b, i) => {
    chunks.push(Buffer.from(`${i === 0 && !opts.preamble ? '' : '\r\n'}--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), b);
  });
  if (opts.close !== false) chunks.push(Buffer.from(`\r\n--${boundary}--\r\n${opts.epilogue ?? ''}`));
  return Buffer.concat(chunks);
}

/** Random bytes seasoned with CRLFs, dashes and pieces of the boundary. */
function nastyBytes(n: number, boundary: string, seed: number): Buffer {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const out: Buffer[] = [];
  let len = 0;
  while (len < n) {
    const r = rnd();
    const piece =
      r < 0.15
        ? Buffer.from('\r\n')
        : r < 0.25
          ? Buffer.from(`x--${boundary}`) // no CRLF before: data
          : r < 0.35
            ? Buffer.from(`\r\n--${boundary.slice(0, Math.floor(rnd() * boundary.length))}`) // a prefix
            : r < 0.42
              ? Buffer.from(`\r\n--${boundary}X`) // the boundary continued by other bytes: data
              : r < 0.46
                ? Buffer.from('\r\n\r\n--')
                : Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)));
    out.push(piece);
    len += piece.length;
  }
  const bytes = Buffer.concat(out);
  // A real delimiter may not occur in a body (RFC 2046): only look-alikes.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  for (let at = bytes.indexOf(delimiter); at >= 0; at = bytes.indexOf(delimiter, at + 1)) {
    const next = bytes.toString('latin1', at + delimiter.length, at + delimiter.length + 2);
    expect(['--', '\r\n'].includes(next) || next.startsWith(' ') || next.startsWith('\t')).toBe(false);
  }
  return bytes;
}

function split(buf: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  let i = 0;
  while (at < buf.length) {
    const n = Math.max(1, sizes[i++ % sizes.length]);
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('multipart/related parser', () => {
  it('reads the boundary, quoted or not', () => {
    expect(multipartBoundary('multipart/related; type="application/dicom"; boundary=abc-123')).toBe('abc-123');
    expect(multipartBoundary('Multipart/Related; boundary="a b;c"; type="application/dicom"')).toBe('a b;c');
    expect(multipartBoundary('multipart/related;type=application/dicom;boundary=x')).toBe('x');
    expect(multipartBoundary('application/dicom')).toBeNull();
    expect(multipartBoundary('multipart/related; type="application/dicom"')).toBeNull();
    expect(multipartBoundary(null)).toBeNull();
  });

  it('keeps binary bodies with CRLF and boundary-like bytes intact, whatever the chunking', () => {
    const boundary = 'd4fe5d02-78fd-4735';
    const bodies = [nastyBytes(5000, boundary, 1), nastyBytes(20_000, boundary, 2), Buffer.alloc(0), Buffer.from('\r\n'), Buffer.from(`--${boundary}`), nastyBytes(3000, boundary, 3)];
    // A body may end in what looks like the start of a delimiter.
    bodies.push(Buffer.concat([nastyBytes(100, boundary, 4), Buffer.from(`\r\n--${boundary.slice(0, 5)}`)]));
    const whole = multipart(boundary, bodies, { preamble: 'This is a preamble\r\n--not-it\r\n', epilogue: 'epilogue --d4fe5d02-78fd-4735--' });
    for (const sizes of [[whole.length], [1], [2, 3, 5, 7], [boundary.length + 3], [4096], [17, 1, 4000, 3]]) {
      const parts = collect(new MultipartParser(boundary), split(whole, sizes));
      expect(parts.length, `chunks ${sizes}`).toBe(bodies.length);
      parts.forEach((p, i) => {
        expect(p.headers['content-type']).toBe('application/dicom');
        expect(p.body.equals(bodies[i]), `part ${i} with chunks ${sizes}`).toBe(true);
      });
    }
  });

  it('takes a body that starts with the boundary, parts without headers, transport padding, and a missing closing delimiter', () => {
    const b = 'B';
    const text = `--B\r\n\r\nno headers\r\n--B  \t\r\nContent-Type: application/dicom\r\nContent-Length: 3\r\n\r\nabc\r\n--B`;
    const parts = collect(new MultipartParser(b), [Buffer.from(text)]);
    expect(parts.map((p) => p.body.toString())).toEqual(['no headers', 'abc']);
    expect(parts[0].headers).toEqual({});
    expect(parts[1].headers['content-length']).toBe('3');
  });

  it('says when the body is truncated or has no part', () => {
    const whole = multipart('xyz', [Buffer.from('hello world')]);
    expect(() => collect(new MultipartParser('xyz'), [whole.subarray(0, whole.length - 15)])).toThrow(MultipartError);
    expect(() => collect(new MultipartParser('xyz'), [Buffer.from('--xyz\r\nContent-Type: a')])).toThrow(/truncated/);
    expect(() => collect(new MultipartParser('xyz'), [Buffer.from('no boundary at all')])).toThrow(/no part/);
  });

  it('encodes query values the way servers read them, and reads the SOP Instance UID from the meta header', () => {
    expect(queryEncode('PHANTOM*')).toBe('PHANTOM*');
    expect(queryEncode('JAN?T000^A')).toBe('JAN?T000^A');
    expect(queryEncode('a b&c=d+e#%')).toBe('a%20b%26c%3Dd%2Be%23%25');
    expect(queryEncode('Müller')).toBe('M%C3%BCller');
    expect(part10SopInstanceUid(readFileSync(GE_CT[0]))).toBe('1.2.392.200103.20080913.113635.2.2009.6.22.21.43.10.23431.1');
    expect(part10SopInstanceUid(Buffer.from('not dicom'))).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// A scripted HTTP server: what a real PACS rarely does on purpose (time-outs, odd answers, flaky instances).

interface Fake {
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }[];
  handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;
  close(): Promise<void>;
}

async function startFake(): Promise<Fake> {
  const fake: Fake = {
    url: '',
    requests: [],
    handle: (_req, _body, res) => res.writeHead(404).end(),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      fake.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      fake.handle(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/dicom-web`;
  fake.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return fake;
}

function transport(baseUrl: string, extra: Partial<DicomwebOptions> = {}): DicomwebTransport {
  return new DicomwebTransport({ nodeName: 'Test PACS', baseUrl, auth: { kind: 'none' }, ...extra });
}

async function pacsError(p: Promise<unknown>): Promise<PacsError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PacsError);
    return err as PacsError;
  }
  throw new Error('expected a PacsError');
}

function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `lng-dicomweb-${prefix}-`));
}

describe('DICOMweb transport against a scripted server', () => {
  let fake: Fake;
  const dirs: string[] = [];
  beforeAll(async () => {
    fake = await startFake();
  });
  afterAll(async () => {
    await fake.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('sends a bearer token as an Authorization header, and basic credentials as Basic', async () => {
    fake.handle = (_q, _b, res) => res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('[]');
    fake.requests.length = 0;
    await transport(fake.url, { auth: { kind: 'bearer', token: 'tok-123' } }).echo();
    await transport(`${fake.url}/`, { auth: { kind: 'basic', username: 'alice', password: 'pä:ss' } }).findStudies({ patientName: 'DOE^J*' });
    expect(fake.requests[0].headers.authorization).toBe('Bearer tok-123');
    expect(fake.requests[0].url).toBe('/dicom-web/studies?limit=1');
    expect(fake.requests[0].headers.accept).toBe('application/dicom+json');
    expect(fake.requests[1].headers.authorization).toBe(`Basic ${Buffer.from('alice:pä:ss').toString('base64')}`);
    expect(fake.requests[1].url).toMatch(/^\/dicom-web\/studies\?PatientName=DOE\^J\*&fuzzymatching=false&includefield=00081030/);
  });

  it('says which token was refused (401) without showing it', async () => {
    fake.handle = (_q, _b, res) => res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('expired');
    const err = await pacsError(transport(fake.url, { auth: { kind: 'bearer', token: 'secret-token' } }).echo());
    expect(err.code).toBe('unauthorized');
    expect(err.message).toMatch(/"Test PACS".*HTTP 401.*bearer token/);
    expect(err.message).not.toContain('secret-token');
  });

  it('times out when the server does not answer', async () => {
    fake.handle = () => {}; // never answers
    const t0 = Date.now();
    const err = await pacsError(transport(fake.url, { timeoutMs: 300 }).findStudies({ patientId: 'X' }));
    expect(err.code).toBe('timeout');
    expect(err.message).toMatch(/Test PACS.*did not answer.*0\.3 s/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('calls an HTML page or broken JSON a protocol error, and 204 an empty answer', async () => {
    fake.handle = (_q, _b, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Login</body></html>');
    const err = await pacsError(transport(fake.url).echo());
    expect(err.code).toBe('protocol');
    expect(err.message).toMatch(/HTML page.*DICOMweb root/);
    fake.handle = (_q, _b, res) => res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('[{"0020000D":');
    expect((await pacsError(transport(fake.url).findStudies({}))).code).toBe('protocol');
    fake.handle = (_q, _b, res) => res.writeHead(204).end();
    expect(await transport(fake.url).findStudies({})).toEqual([]);
  });

  it('retrieves plain, single-part and flaky instances, retries once, lists what failed and leaves no partial file', async () => {
    const original = readFileSync(GE_CT[0]);
    const uids = ['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7'];
    const hits = new Map<string, number>();
    fake.handle = (req, _b, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/dicom-web/studies/9.9/series/8.8/instances?')) {
        res.writeHead(200, { 'content-type': 'application/dicom+json' }).end(JSON.stringify(uids.map((u) => ({ '00080018': { vr: 'UI', Value: [u] } }))));
        return;
      }
      const m = /\/instances\/([0-9.]+)$/.exec(url);
      if (!m) return void res.writeHead(404).end();
      const uid = m[1];
      const n = (hits.get(uid) ?? 0) + 1;
      hits.set(uid, n);
      const boundary = 'BOUNDARY-xyz';
      const mp = { 'content-type': `multipart/related; type="application/dicom"; boundary="${boundary}"` };
      switch (uid) {
        case '1.1': // plain multipart
          return void res.writeHead(200, mp).end(multipart(boundary, [original]));
        case '1.2': // a bare application/dicom answer
          return void res.writeHead(200, { 'content-type': 'application/dicom' }).end(original);
        case '1.3': // fails once, then works
          if (n === 1) return void res.writeHead(503).end('busy');
          return void res.writeHead(200, mp).end(multipart(boundary, [original]));
        case '1.4': // always fails
          return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"Message":"Internal error","Details":"disk on fire"}');
        case '1.5': // not Part 10
          return void res.writeHead(200, mp).end(multipart(boundary, [original.subarray(132)]));
        case '1.6': // the connection drops in the middle of the body the first time
          if (n === 1) {
            res.writeHead(200, mp);
            res.write(multipart(boundary, [original]).subarray(0, 200_000));
            setTimeout(() => res.socket?.destroy(), 20);
            return;
          }
          return void res.writeHead(200, mp).end(multipart(boundary, [original]));
        default: // announced length does not match what comes
          return void res.writeHead(200, mp).end(Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\nContent-Length: 999999\r\n\r\n`), original, Buffer.from(`\r\n--${boundary}--`)]));
      }
    };
    fake.requests.length = 0;
    const dest = tmp('flaky');
    dirs.push(dest);
    const progress: number[] = [];
    const out = await transport(fake.url, { concurrency: 3 }).retrieve({ studyInstanceUid: '9.9', seriesInstanceUids: ['8.8'], destDir: dest, onProgress: (p) => progress.push(p.done) });
    expect(out.expected).toBe(7);
    expect(out.files.map((f) => f.slice(dest.length + 1)).sort()).toEqual(['1.1.dcm', '1.2.dcm', '1.3.dcm', '1.6.dcm']);
    for (const f of out.files) expect(readFileSync(f).equals(original)).toBe(true);
    expect(out.bytes).toBe(4 * original.length);
    expect(out.missing).toHaveLength(3);
    expect(out.missing.find((m) => m.startsWith('1.4:'))).toMatch(/HTTP 500.*Internal error: disk on fire/);
    expect(out.missing.find((m) => m.startsWith('1.5:'))).toMatch(/DICM/);
    expect(out.missing.find((m) => m.startsWith('1.7:'))).toMatch(/announced 999999/);
    const wado = fake.requests.find((r) => r.url.endsWith('/instances/1.1'))!;
    expect(wado.headers.accept).toBe('multipart/related; type="application/dicom"; transfer-syntax=*');
    expect(wado.headers['accept-encoding']).toBe('identity');
    expect(hits.get('1.3')).toBe(2);
    expect(hits.get('1.4')).toBe(2);
    expect(progress).toEqual([0, 1, 2, 3, 4]);
    expect(readdirSync(dest).sort()).toEqual(['1.1.dcm', '1.2.dcm', '1.3.dcm', '1.6.dcm']);
  });

  it('stores with STOW-RS: one part per file, failures with their reason', async () => {
    const ge = readFileSync(GE_CT[0]);
    const other = readFileSync(OTHER_CT);
    const geUid = part10SopInstanceUid(ge)!;
    const otherUid = part10SopInstanceUid(other)!;
    const dir = tmp('stow');
    dirs.push(dir);
    const junk = join(dir, 'junk.dcm');
    writeFileSync(junk, 'not dicom');
    let received: Buffer[] = [];
    fake.handle = (req, body, res) => {
      const parts = collect(new MultipartParser(multipartBoundary(req.headers['content-type'] ?? '')!), [body]);
      received = parts.map((p) => p.body);
      res.writeHead(202, { 'content-type': 'application/dicom+json' }).end(
        JSON.stringify({
          '00081199': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: [geUid] } }] },
          '00081198': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: [otherUid] }, '00081197': { vr: 'US', Value: [0xa900] } }] },
        }),
      );
    };
    fake.requests.length = 0;
    const out = await transport(fake.url).store([GE_CT[0], OTHER_CT, junk, join(dir, 'absent.dcm')]);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].method).toBe('POST');
    expect(fake.requests[0].url).toBe('/dicom-web/studies');
    expect(fake.requests[0].headers['content-type']).toMatch(/^multipart\/related; type="application\/dicom"; boundary=/);
    expect(received).toHaveLength(2);
    expect(received[0].equals(ge) && received[1].equals(other)).toBe(true);
    expect(out.stored).toEqual([{ file: GE_CT[0], sopInstanceUid: geUid }]);
    expect(out.failed.map((f) => f.file).sort()).toEqual([join(dir, 'absent.dcm'), OTHER_CT, junk].sort());
    expect(out.failed.find((f) => f.file === OTHER_CT)?.reason).toMatch(/data set does not match SOP Class \(FailureReason 0xA900\)/);
    expect(out.failed.find((f) => f.file === junk)?.reason).toMatch(/not a DICOM Part 10 file/);
    expect(out.failed.find((f) => f.file.endsWith('absent.dcm'))?.reason).toMatch(/ENOENT/);
  });

  it('refuses a URL that is not http(s) or that carries credentials', () => {
    expect(() => transport('ftp://pacs/dicom-web')).toThrow(/http:\/\/ or https:\/\//);
    expect(() => transport('http://u:p@pacs/dicom-web')).toThrow(/not in the URL/);
  });
});

// ---------------------------------------------------------------------------------------------

const ORTHANC = orthancAvailable();

describe.skipIf(!ORTHANC)(
  `DICOMweb transport against a real Orthanc 1.10 with its DICOMweb plugin${ORTHANC ? '' : ' — SKIPPED: Orthanc is not installed (apt-get install orthanc orthanc-dicomweb)'}`,
  () => {
    let o: OrthancHandle;
    let dir: string;
    /** SOP Instance UID → the file uploaded. */
    const originals = new Map<string, Buffer>();
    let phantom: { studyUid: string; seriesUid: string; studyDate: string; instances: number };
    const geStudy = '1.2.392.200103.20080913.113635.0.2009.6.22.21.43.10.22941.1';

    beforeAll(async () => {
      dir = tmp('orthanc');
      const [server, written] = await Promise.all([
        startOrthanc(),
        writePatient(join(dir, 'phantom'), { seed: 'pacs', size: 64, slices: 20, sliceMm: 5, timepoints: 1, patientId: 'PACS-1' }),
      ]);
      o = server;
      const files = [...GE_CT, ...readdirSync(written.seriesDirs[0]).map((f) => join(written.seriesDirs[0], f))];
      for (const f of files) {
        const bytes = readFileSync(f);
        originals.set(part10SopInstanceUid(bytes)!, bytes);
        await o.upload(bytes);
      }
      const tp = written.truth.timepoints[0];
      phantom = { studyUid: tp.studyInstanceUid, seriesUid: tp.seriesInstanceUid, studyDate: tp.studyDate, instances: written.fileCount };
    });
    afterAll(async () => {
      await o?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const pacs = (extra: Partial<DicomwebOptions> = {}) => transport(o.dicomweb, { nodeName: 'Orthanc', ...extra });

    it('answers an echo', async () => {
      await expect(pacs().echo()).resolves.toBeUndefined();
    });

    it('finds studies by patient ID, name wildcards, date range, modality, accession and UID', async () => {
      const [study, ...rest] = await pacs().findStudies({ patientId: 'PACS-1' });
      expect(rest).toHaveLength(0);
      expect(study).toMatchObject({
        studyInstanceUid: phantom.studyUid,
        patientId: 'PACS-1',
        patientName: 'PHANTOM^PACS-1',
        sex: 'M',
        birthDate: '1968-03-31',
        studyDate: `${phantom.studyDate.slice(0, 4)}-${phantom.studyDate.slice(4, 6)}-${phantom.studyDate.slice(6)}`,
        modalities: ['CT'],
        seriesCount: 1,
        instanceCount: 20,
        description: 'CT ABDOMEN WITH CONTRAST',
      });
      expect(study.studyTime).toMatch(/^\d\d:\d\d:\d\d$/);
      const uids = async (q: Parameters<DicomwebTransport['findStudies']>[0]) => (await pacs().findStudies(q)).map((s) => s.studyInstanceUid).sort();
      expect(await uids({ patientName: 'PHANTOM*' })).toEqual([phantom.studyUid]);
      expect(await uids({ patientName: 'JAN?T000' })).toEqual([geStudy]);
      expect(await uids({ studyDate: '20030101-20031231' })).toEqual([geStudy]);
      expect(await uids({ studyDate: `${phantom.studyDate}-` })).toEqual([phantom.studyUid]);
      expect(await uids({ studyDate: '-20031231' })).toEqual([geStudy]);
      expect(await uids({ modality: 'CT' })).toEqual([geStudy, phantom.studyUid].sort());
      expect(await uids({ modality: 'MR' })).toEqual([]);
      expect(await uids({ accessionNumber: '03086212' })).toEqual([geStudy]);
      expect(await uids({ studyInstanceUid: phantom.studyUid, patientId: 'PACS-1' })).toEqual([phantom.studyUid]);
      expect(await uids({ patientId: 'NOBODY' })).toEqual([]);
    });

    it('lists the series of a study', async () => {
      expect(await pacs().findSeries(phantom.studyUid)).toEqual([
        { studyInstanceUid: phantom.studyUid, seriesInstanceUid: phantom.seriesUid, modality: 'CT', description: expect.stringMatching(/^Phantom abdomen/), seriesNumber: 2, instanceCount: 20 },
      ]);
      expect(await pacs().findSeries('1.2.3.4.5')).toEqual([]);
    });

    it('retrieves a series byte for byte, with monotonic progress', async () => {
      const dest = join(dir, 'series');
      const progress: { done: number; total: number | null; bytes: number }[] = [];
      const t0 = performance.now();
      const out = await pacs().retrieve({ studyInstanceUid: phantom.studyUid, seriesInstanceUids: [phantom.seriesUid], destDir: dest, onProgress: (p) => progress.push(p) });
      const seconds = (performance.now() - t0) / 1000;
      expect(out.expected).toBe(20);
      expect(out.missing).toEqual([]);
      expect(out.files).toHaveLength(20);
      for (const f of out.files) {
        const bytes = readFileSync(f);
        const uid = part10SopInstanceUid(bytes)!;
        expect(f).toBe(join(dest, `${uid}.dcm`));
        expect(bytes.equals(originals.get(uid)!)).toBe(true);
      }
      expect(out.bytes).toBe(out.files.reduce((n, f) => n + statSync(f).size, 0));
      expect(progress[0]).toEqual({ done: 0, total: 20, bytes: 0 });
      expect(progress.at(-1)).toEqual({ done: 20, total: 20, bytes: out.bytes });
      for (let i = 1; i < progress.length; i++) {
        expect(progress[i].done).toBe(progress[i - 1].done + 1);
        expect(progress[i].bytes).toBeGreaterThan(progress[i - 1].bytes);
      }
      console.info(`WADO-RS retrieve of the phantom series: 20 instances, ${(out.bytes / 1e6).toFixed(2)} MB in ${(seconds * 1000).toFixed(0)} ms (${(20 / seconds).toFixed(0)} instances/s)`);
    });

    it('retrieves a whole study (real GE CT) and names what is not there', async () => {
      const dest = join(dir, 'study');
      const out = await pacs({ concurrency: 2 }).retrieve({ studyInstanceUid: geStudy, destDir: dest });
      expect(out.expected).toBe(3);
      expect(out.missing).toEqual([]);
      expect(out.files).toHaveLength(3);
      for (const f of out.files) expect(readFileSync(f).equals(originals.get(part10SopInstanceUid(readFileSync(f))!)!)).toBe(true);
      const none = await pacs().retrieve({ studyInstanceUid: geStudy, seriesInstanceUids: ['1.2.3.999'], destDir: join(dir, 'none') });
      expect(none).toMatchObject({ files: [], expected: 0, bytes: 0 });
      expect(none.missing).toEqual(['series 1.2.3.999: the PACS lists no instances']);
    });

    it('cancels a retrieve cleanly: no partial file, complete files only, PacsError cancelled', async () => {
      const dest = join(dir, 'cancel');
      const ctrl = new AbortController();
      const err = await pacsError(
        pacs({ concurrency: 3 }).retrieve({
          studyInstanceUid: phantom.studyUid,
          destDir: dest,
          signal: ctrl.signal,
          onProgress: (p) => {
            if (p.done === 5) ctrl.abort();
          },
        }),
      );
      expect(err.code).toBe('cancelled');
      expect(err.message).toMatch(/Orthanc.*cancelled/);
      const left = readdirSync(dest);
      expect(left.filter((f) => !f.endsWith('.dcm'))).toEqual([]);
      expect(left.length).toBeGreaterThanOrEqual(5);
      expect(left.length).toBeLessThan(20);
      for (const f of left) expect(readFileSync(join(dest, f)).equals(originals.get(f.slice(0, -4))!)).toBe(true);
      // Already cancelled: nothing is asked.
      await expect(pacs().retrieve({ studyInstanceUid: phantom.studyUid, destDir: dest, signal: ctrl.signal })).rejects.toMatchObject({ code: 'cancelled' });
    });

    it('stores a file with STOW-RS that Orthanc then holds', async () => {
      const bytes = readFileSync(OTHER_CT);
      const uid = part10SopInstanceUid(bytes)!;
      const junk = join(dir, 'junk.dcm');
      writeFileSync(junk, Buffer.alloc(300));
      const out = await pacs().store([OTHER_CT, junk]);
      expect(out.stored).toEqual([{ file: OTHER_CT, sopInstanceUid: uid }]);
      expect(out.failed).toEqual([{ file: junk, reason: expect.stringMatching(/not a DICOM Part 10 file/) }]);
      const found = await o.rest<{ Type: string; ID: string }[]>('/tools/lookup', { method: 'POST', body: uid });
      expect(found.map((f) => f.Type)).toEqual(['Instance']);
      const stored = Buffer.from(await (await fetch(`${o.url}/instances/${found[0].ID}/file`)).arrayBuffer());
      expect(stored.equals(bytes)).toBe(true);
      expect((await o.rest<string[]>('/instances')).length).toBe(originals.size + 1);
    });

    it('says when the PACS cannot be reached or the URL is wrong', async () => {
      const port = await freePort();
      const err = await pacsError(transport(`http://127.0.0.1:${port}/dicom-web`, { nodeName: 'Nowhere' }).echo());
      expect(err.code).toBe('unreachable');
      expect(err.message).toBe(`PACS "Nowhere" (http://127.0.0.1:${port}/dicom-web) cannot be reached: connection refused — is the server running and the URL (host and port) right? (ECONNREFUSED)`);
      const wrong = await pacsError(transport(`${o.url}/not-dicom-web`).echo());
      expect(wrong.code).toBe('refused');
      expect(wrong.message).toMatch(/HTTP 404.*Unknown resource.*DICOMweb root/);
      const unknown = await pacsError(pacs().retrieve({ studyInstanceUid: phantom.studyUid, seriesInstanceUids: [phantom.seriesUid], destDir: join(dir, 'x'), signal: AbortSignal.abort() }));
      expect(unknown.code).toBe('cancelled');
    });

    describe('with basic authentication', () => {
      let secured: OrthancHandle;
      beforeAll(async () => {
        secured = await startOrthanc({ users: { alice: 'right-password' } });
        await secured.upload(readFileSync(GE_CT[0]));
      });
      afterAll(async () => {
        await secured?.stop();
      });

      it('works with the right password and says what to check with a wrong one', async () => {
        const good = transport(secured.dicomweb, { nodeName: 'Secured', auth: { kind: 'basic', username: 'alice', password: 'right-password' } });
        await good.echo();
        expect((await good.findStudies({ patientId: '99000' })).map((s) => s.studyInstanceUid)).toEqual([geStudy]);
        const out = await good.retrieve({ studyInstanceUid: geStudy, destDir: join(dir, 'secured') });
        expect(out.files).toHaveLength(1);

        const bad = await pacsError(transport(secured.dicomweb, { nodeName: 'Secured', auth: { kind: 'basic', username: 'alice', password: 'wrong-password' } }).findStudies({}));
        expect(bad.code).toBe('unauthorized');
        expect(bad.message).toMatch(/PACS "Secured" .*HTTP 401.*basic authentication as user "alice": check the user name and password/);
        expect(bad.message).not.toContain('wrong-password');
        const none = await pacsError(transport(secured.dicomweb, { nodeName: 'Secured' }).echo());
        expect(none.code).toBe('unauthorized');
        expect(none.message).toMatch(/no authentication: the server wants credentials/);
        expect(existsSync(join(dir, 'secured', `${part10SopInstanceUid(readFileSync(GE_CT[0]))}.dcm`))).toBe(true);
      });
    });
  },
);
