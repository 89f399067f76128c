/**
 * A real PACS for tests and benchmarks: Debian's Orthanc with its DICOMweb plugin, started on
 * 127.0.0.1 ports of its own with a temporary configuration and storage (never the machine's
 * default ports or files). Orthanc refuses C-FIND, C-MOVE and C-GET from AEs it does not know,
 * so the workstation's AE is listed in `DicomModalities`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ORTHANC_BINARY = '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/** Whether this machine can run the PACS tests (Debian packages orthanc and orthanc-dicomweb). */
export function orthancAvailable(): boolean {
  return existsSync(ORTHANC_BINARY) && existsSync(DICOMWEB_PLUGIN);
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface OrthancOptions {
  /** AE title of the PACS (default ORTHANC). */
  aet?: string;
  /** Remote AEs Orthanc knows: name → [AE title, host, port]. */
  modalities?: Record<string, [string, string, number]>;
  /** HTTP basic auth users (user → password); none means no authentication. */
  users?: Record<string, string>;
}

export interface OrthancHandle {
  aet: string;
  host: '127.0.0.1';
  dicomPort: number;
  httpPort: number;
  /** REST root, e.g. http://127.0.0.1:8123 */
  url: string;
  /** DICOMweb root, e.g. http://127.0.0.1:8123/dicom-web */
  dicomweb: string;
  storageDir: string;
  /** REST call (with the basic-auth user when the server has users). */
  rest<T = unknown>(path: string, init?: RequestInit): Promise<T>;
  /** Upload one DICOM file through the REST API. */
  upload(bytes: Uint8Array): Promise<{ ID: string; ParentStudy: string; ParentPatient: string }>;
  stop(): Promise<void>;
}

export async function startOrthanc(opts: OrthancOptions = {}): Promise<OrthancHandle> {
  if (!orthancAvailable()) throw new Error(`Orthanc is not installed (${ORTHANC_BINARY}, ${DICOMWEB_PLUGIN}): apt-get install orthanc orthanc-dicomweb`);
  const dir = mkdtempSync(join(tmpdir(), 'lng-orthanc-'));
  const [dicomPort, httpPort] = [await freePort(), await freePort()];
  const aet = opts.aet ?? 'ORTHANC';
  const users = opts.users ?? {};
  const config = {
    Name: 'LongitudeTestPACS',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'storage'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: aet,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: Object.keys(users).length > 0,
    RegisteredUsers: users,
    HttpServerEnabled: true,
    DicomServerEnabled: true,
    DicomCheckCalledAet: true,
    DicomModalities: opts.modalities ?? {},
    DicomAlwaysAllowEcho: true,
    DicomAlwaysAllowStore: true,
    SynchronousCMove: true,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, Ssl: false, StudiesMetadata: 'Full', SeriesMetadata: 'Full' },
    StableAge: 1,
    ConcurrentJobs: 2,
    HttpTimeout: 60,
    DicomScuTimeout: 30,
    LogExportedResources: false,
    KeepAlive: true,
    StorageCompression: false,
    MaximumStorageSize: 0,
    OverwriteInstances: true,
  };
  const configFile = join(dir, 'orthanc.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const child: ChildProcess = spawn(ORTHANC_BINARY, [configFile, `--logdir=${dir}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${httpPort}`;
  const [firstUser, firstPassword] = Object.entries(users)[0] ?? [];
  const authHeader: Record<string, string> = firstUser ? { authorization: `Basic ${Buffer.from(`${firstUser}:${firstPassword}`).toString('base64')}` } : {};
  const rest = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${url}${path}`, { ...init, headers: { ...authHeader, ...(init.headers as Record<string, string> | undefined) } });
    if (!res.ok) throw new Error(`Orthanc ${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${await res.text()}`);
    const type = res.headers.get('content-type') ?? '';
    return (type.includes('json') ? await res.json() : await res.text()) as T;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited (${child.exitCode}): ${stderr}`);
    try {
      await rest('/system');
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`Orthanc did not answer on ${url} within 20 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    aet,
    host: '127.0.0.1',
    dicomPort,
    httpPort,
    url,
    dicomweb: `${url}/dicom-web`,
    storageDir: join(dir, 'storage'),
    rest,
    upload: (bytes) => rest('/instances', { method: 'POST', body: Buffer.from(bytes), headers: { 'content-type': 'application/dicom' } }),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
