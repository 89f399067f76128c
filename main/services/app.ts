/**
 * The composition root: builds the registry, the worker pool, volume access, the
 * inference process and the domain services, hands each what it needs, and joins their
 * methods into the one `LongitudeApi` both shells expose. No logic lives here: every
 * method belongs to its domain's service.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { API_METHODS, type ApiMethod, type EventName, type LongitudeApi, type LongitudeEvents } from '../../core/api/contract';
import type { ReaderIdentity } from '../../core/api/reader';
import type { AppInfo } from '../../core/api/types';
import { AiService } from './inference/aiService';
import { InferenceHost } from './inference/inferenceHost';
import { defaultAppModelsDir, ModelStore } from './inference/modelStore';
import type { ValidationService } from './inference/validation';
import { FollowUpService } from './followup/followUpService';
import { LesionsService } from './lesions/lesionsService';
import { LibraryService } from './library/libraryService';
import { sweepStaleTemporaries } from './library/storeFile';
import { attachChangeSink } from './registry/changes';
import { openRegistry, type Db } from './registry/db';
import { acquireRunLock } from './registry/runLock';
import { sweepRecoveryTemporaries } from './registry/startup';
import { SegmentationService } from './segmentation/segmentationService';
import { configureDefaultReader } from './session/readerContext';
import { ExportService } from './export/exportService';
import { PacsService } from './pacs/pacsService';
import { DeidService } from './deid/deidService';
import { pseudonymOfPatient } from './deid/deidStore';
import { CohortService } from './cohorts/cohortService';
import { SecretStore, type SecretCipher } from './pacs/secretStore';
import { SessionService } from './session/sessionService';
import { VolumeAccess } from './volumes/volumeAccess';
import { WorkerPool } from './workers/pool';

export interface AppOptions {
  homeDir: string;
  mode: AppInfo['mode'];
  version?: string;
  /** Electron supplies the native dialog; serve mode has none. */
  pickImportPaths?: () => Promise<string[]>;
  workers?: number;
  /** The app's own models (default: resources/models); the user's are in <home>/models. */
  appModelsDir?: string;
  /** The reader recorded when a client states none (default: LONGITUDE_READER, else the OS user). */
  defaultReader?: ReaderIdentity;
  /** How PACS passwords and tokens are protected at rest: Electron's safeStorage on the desktop; none in serve mode (a file only the user can read). */
  secretCipher?: SecretCipher | null;
  /** Start the C-STORE receiver at start-up when its setting says so (the shells; not the CLI or tests). */
  startReceiver?: boolean;
}

/** The running workstation: the API, plus what the shells, the CLI and tests need to hold it. */
export type App = LongitudeApi & {
  /** Every event, as ('event', name, payload). */
  readonly events: EventEmitter;
  readonly db: Db;
  readonly homeDir: string;
  readonly ai: AiService;
  readonly validation: ValidationService;
  readonly volumes: VolumeAccess;
  readonly pacs: PacsService;
  readonly deid: DeidService;
  /** The decoded volume and its HU statistics (CLI `series`, tests, benchmarks). */
  volumeStats: VolumeAccess['volumeStats'];
  /** Resolves when the worker threads are up. */
  ready(): Promise<void>;
  close(): Promise<void>;
};

export function createApp(opts: AppOptions): App {
  const homeDir = resolve(opts.homeDir);
  mkdirSync(join(homeDir, 'library'), { recursive: true });
  // Start-up checks: this process is marked as holding the library (a restore waits for it to
  // close; a restore under way refuses the start), what a killed process left is swept, and the
  // registry is integrity-checked — a damaged one is refused naming the backup to restore —
  // and backed up before any migration (registry/db.ts, registry/backup.ts).
  const lock = acquireRunLock(homeDir, `Longitude ${opts.mode} (${basename(process.argv[1] ?? process.argv0)})`);
  let db: Db;
  try {
    sweepStaleTemporaries(homeDir);
    sweepRecoveryTemporaries(homeDir);
    db = openRegistry(join(homeDir, 'registry.sqlite'));
  } catch (err) {
    lock.release();
    throw err;
  }
  configureDefaultReader(opts.defaultReader);

  const events = new EventEmitter();
  events.setMaxListeners(100);
  const emit = <E extends EventName>(name: E, payload: LongitudeEvents[E]) => void events.emit('event', name, payload);

  attachChangeSink(db, emit);
  const pool = new WorkerPool(opts.workers);
  const volumes = new VolumeAccess(db, pool, homeDir, (seriesId, slicesDecoded, sliceCount) => emit('onVolumeProgress', { seriesId, slicesDecoded, sliceCount }));
  const host = new InferenceHost();
  const models = new ModelStore(opts.appModelsDir ?? defaultAppModelsDir(), join(homeDir, 'models'), host);

  const library = new LibraryService({
    db,
    homeDir,
    pool,
    volumes,
    mode: opts.mode,
    version: opts.version ?? '0.0.0',
    pickImportPaths: opts.pickImportPaths,
    onImportProgress: (p) => emit('onImportProgress', p),
  });
  const lesions = new LesionsService({ db, volumes });
  const ai = new AiService({ db, homeDir, host, models, volumes, emit: (e) => emit('onAiProgress', e), emitValidation: (e) => emit('onValidationProgress', e) });
  const segmentation = new SegmentationService({ db, homeDir, volumes, onMaskEdited: (seg, mask) => ai.maskEdited(seg, mask) });
  const followUp = new FollowUpService({ db, homeDir, volumes, emit: (e) => emit('onRegistrationProgress', e) });
  const session = new SessionService();
  // The demo patient is made through the API, as any client would: the bound API is handed over once it exists.
  let bound: LongitudeApi | null = null;
  const exports = new ExportService({ db, homeDir, version: opts.version ?? '0.0.0', api: () => bound!, volumes });

  const pacs = new PacsService({
    db,
    homeDir,
    secrets: new SecretStore(homeDir, opts.secretCipher ?? null),
    importPaths: (paths) => library.importPaths(paths),
    exports,
    emit: (e) => emit('onPacsProgress', e),
  });
  if (opts.startReceiver) void pacs.init();

  const deid = new DeidService({ db, homeDir, version: opts.version ?? '0.0.0', exporter: exports });
  const pseudonymOf = (patientRowId: number) => {
    const p = pseudonymOfPatient(db, patientRowId);
    if (!p) throw new Error(`patient ${patientRowId} is not in the library`);
    return p;
  };
  const cohorts = new CohortService({
    db,
    homeDir,
    version: opts.version ?? '0.0.0',
    volumes,
    pseudonymOf: (id) => pseudonymOf(id).pseudonymId,
    dateOffsetDaysOf: (id) => pseudonymOf(id).dateOffsetDays,
    deidentifyFiles: async (files, outDir, _patientRowId, options) => {
      const r = await deid.deidentifyFiles({ paths: [...files], outDir, options });
      return { written: r.files.map((f) => f.file), excluded: [...r.excluded, ...r.skipped].map((x) => ({ file: x.source, reason: x.reason })) };
    },
    exportSeg: (input) => exports.exportSeg(input),
  });

  const api = bindApi({ library, lesions, segmentation, ai, followUp, session, exports, pacs, deid, cohorts });
  bound = api;
  return Object.assign(api, {
    events,
    db,
    homeDir,
    ai,
    validation: ai.validation,
    volumes,
    pacs,
    deid,
    volumeStats: (seriesId: number) => volumes.volumeStats(seriesId),
    ready: () => pool.ready(),
    async close() {
      await pacs.close();
      await library.drain();
      await host.close();
      await pool.close();
      db.close();
      lock.release();
    },
  });
}

/**
 * Each API method, bound to the one domain service that has it. A method that no domain
 * has, or that two have, is an error at start-up (the compile-time tables in core/api
 * make it impossible in practice; this keeps the join honest).
 */
function bindApi(domains: Record<string, object>): LongitudeApi {
  const api = {} as Record<ApiMethod, unknown>;
  for (const method of API_METHODS) {
    const owners = Object.entries(domains).filter(([, d]) => typeof (d as Record<string, unknown>)[method] === 'function');
    if (owners.length !== 1) throw new Error(`API method ${method} is implemented by ${owners.length ? owners.map(([n]) => n).join(' and ') : 'no domain'}`);
    const domain = owners[0][1] as Record<string, (...a: unknown[]) => unknown>;
    api[method] = domain[method].bind(domain);
  }
  return api as LongitudeApi;
}
