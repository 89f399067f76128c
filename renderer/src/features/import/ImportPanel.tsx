/**
 * Import into the library. Where the workstation has a native file dialog (the desktop app:
 * getAppInfo().mode), its picker (folders, DICOMDIR, .zip) → importPaths; elsewhere, or when
 * the dialog answers 'unavailable', a path on the workstation → importPaths. Always: an
 * upload of files/folders from this browser (picker or drag-and-drop) → uploadFile per file →
 * importUploaded. Progress comes from onImportProgress; the report lists every file. The
 * library list reloads on onLibraryChanged, not here.
 */
import { useEffect, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { ApiError } from '../../../../core/api/errors';
import type { ImportProgress, ImportReport } from '../../../../core/api/types';
import { useApi } from '../../api';
import { formatBytes } from '../../ui/format';
import { filesFromDrop, filesFromInput, newBatchId, type PickedFile } from './collectFiles';
import { ImportReportView } from './ImportReportView';

const PARALLEL_UPLOADS = 4;

const PHASE_LABELS: Record<ImportProgress['phase'], string> = {
  scanning: 'Scanning',
  reading: 'Reading',
  copying: 'Copying',
  registering: 'Registering',
  done: 'Done',
};

interface UploadProgress {
  filesDone: number;
  fileTotal: number;
  bytesDone: number;
  byteTotal: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function ImportPanel() {
  const api = useApi();
  // The native dialog exists only where the workstation has a desktop (null: not known yet).
  const [canPick, setCanPick] = useState<boolean | null>(null);
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [upload, setUpload] = useState<UploadProgress | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [uploadFailures, setUploadFailures] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const folderInputRef = useRef<HTMLInputElement>(null);
  const filesInputRef = useRef<HTMLInputElement>(null);
  const busyRef = useRef(false);

  useEffect(() => api.on('onImportProgress', setProgress), [api]);
  useEffect(() => {
    let cancelled = false;
    api.getAppInfo().then(
      (info) => !cancelled && setCanPick(info.mode === 'electron'),
      () => !cancelled && setCanPick(false),
    );
    return () => {
      cancelled = true;
    };
  }, [api]);

  // webkitdirectory is not a React prop; set it on the element.
  useEffect(() => {
    folderInputRef.current?.setAttribute('webkitdirectory', '');
  }, []);

  async function run(task: () => Promise<ImportReport>, failures: string[] = []): Promise<void> {
    setError(null);
    setReport(null);
    try {
      const result = await task();
      setReport(result);
      setUploadFailures(failures);
    } catch (e) {
      setError(describe(e));
    } finally {
      busyRef.current = false;
      setBusy(false);
      setProgress(null);
      setUpload(null);
    }
  }

  function begin(): boolean {
    if (busyRef.current) return false;
    busyRef.current = true;
    setBusy(true);
    return true;
  }

  async function importFromPicker(): Promise<void> {
    if (!begin()) return;
    let paths: string[];
    try {
      paths = await api.pickImportPaths();
    } catch (e) {
      // No dialog here after all: offer the path field instead.
      if (e instanceof ApiError && e.kind === 'unavailable') setCanPick(false);
      else setError(describe(e));
      busyRef.current = false;
      setBusy(false);
      return;
    }
    if (paths.length === 0) {
      busyRef.current = false;
      setBusy(false);
      return;
    }
    await run(() => api.importPaths(paths));
  }

  async function importFromPath(event: FormEvent): Promise<void> {
    event.preventDefault();
    const trimmed = path.trim();
    if (!trimmed || !begin()) return;
    await run(() => api.importPaths([trimmed]));
  }

  async function uploadAndImport(files: PickedFile[]): Promise<void> {
    if (files.length === 0 || !begin()) return;
    const batchId = newBatchId();
    const byteTotal = files.reduce((sum, f) => sum + f.file.size, 0);
    const state: UploadProgress = { filesDone: 0, fileTotal: files.length, bytesDone: 0, byteTotal };
    setUpload({ ...state });
    const failures: string[] = [];
    const queue = [...files];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          await api.uploadFile(batchId, next.relativePath, await next.file.arrayBuffer());
        } catch (e) {
          failures.push(`${next.relativePath}: ${describe(e)}`);
        }
        state.filesDone += 1;
        state.bytesDone += next.file.size;
        setUpload({ ...state });
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_UPLOADS }, worker));
    await run(() => api.importUploaded(batchId), failures);
  }

  function onInputChange(event: ChangeEvent<HTMLInputElement>): void {
    const files = filesFromInput(event.target.files);
    event.target.value = ''; // the same folder can be picked again
    void uploadAndImport(files);
  }

  // Drop anywhere on the window.
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent): boolean => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const onDragEnter = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      depth += 1;
      setDragging(true);
    };
    const onDragLeave = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onDragOver = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (e: DragEvent): void => {
      if (!hasFiles(e) || !e.dataTransfer) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      void filesFromDrop(e.dataTransfer).then(uploadAndImport, (err) => setError(`Could not read the dropped items: ${describe(err)}`));
    };
    window.addEventListener('dragenter', onDragEnter);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onDragEnter);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
    // uploadAndImport reads only refs, setters and `api`, so [api] is the full dependency list.
  }, [api]);

  return (
    <section className="import" data-testid="import-panel" aria-label="Import">
      <h2 className="panel-title">Import</h2>
      {canPick ? (
        <button type="button" className="button primary" data-testid="import-pick-button" disabled={busy} onClick={() => void importFromPicker()}>
          Import folder, DICOMDIR or .zip…
        </button>
      ) : (
        <form className="import-path" onSubmit={(e) => void importFromPath(e)}>
          <input
            type="text"
            data-testid="import-path-input"
            placeholder="Path on the workstation (folder, DICOMDIR, .zip)"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            disabled={busy}
            spellCheck={false}
          />
          <button type="submit" className="button primary" data-testid="import-path-button" disabled={busy || !path.trim()}>
            Import
          </button>
        </form>
      )}
      <div className="import-upload">
        <button type="button" className="button" disabled={busy} onClick={() => folderInputRef.current?.click()} data-testid="import-upload-folder-button">
          Upload folder…
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => filesInputRef.current?.click()} data-testid="import-upload-files-button">
          Upload files…
        </button>
        <span className="dim">or drop here</span>
        <input ref={folderInputRef} type="file" multiple hidden onChange={onInputChange} data-testid="import-upload-input" />
        <input ref={filesInputRef} type="file" multiple hidden onChange={onInputChange} data-testid="import-upload-files-input" />
      </div>

      {busy && (
        <div className="import-progress" data-testid="import-progress" data-phase={progress?.phase ?? (upload ? 'uploading' : 'starting')}>
          {upload && upload.filesDone < upload.fileTotal ? (
            <>
              <div>
                Uploading {upload.filesDone}/{upload.fileTotal} files ({formatBytes(upload.bytesDone)} of {formatBytes(upload.byteTotal)})
              </div>
              <progress max={upload.fileTotal} value={upload.filesDone} />
            </>
          ) : progress ? (
            <>
              <div>
                {PHASE_LABELS[progress.phase]} {progress.total > 0 ? `${progress.done}/${progress.total}` : ''}
              </div>
              <progress max={progress.total || 1} value={progress.total ? progress.done : 0} />
            </>
          ) : (
            <div>Starting import…</div>
          )}
        </div>
      )}
      {error && (
        <div className="error" data-testid="import-error">
          Import failed: {error}
        </div>
      )}
      {report && <ImportReportView report={report} uploadFailures={uploadFailures} onClose={() => setReport(null)} />}

      {dragging && (
        <div className="drop-overlay" data-testid="import-dropzone">
          <div>Drop DICOM files, folders or a .zip to import</div>
        </div>
      )}
    </section>
  );
}
