/**
 * One export at a time, for the dock: make it on the workstation (exportReport, exportSr,
 * exportSeg, exportCsv; a de-identified exam or patient with deidentifyStudy/deidentifyPatient,
 * then zipExport of its folder), bring its files here (readExport) and download them, then say
 * what was made — or, never silently, what failed and the workstation's message. A
 * de-identified export first asks for its options (deidOptions) in a dialog.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi, type ApiClient } from '../../api';
import type { DeidOptionInfo } from '../../../../core/api/domains/deid';
import { fetchExport, releaseFiles, saveFile, type FetchedFile } from './download';
import {
  csvOutName,
  csvOutcome,
  deidOutcome,
  exportItem,
  failureText,
  reportOutcome,
  segOutcome,
  isDeidKind,
  srOutcome,
  unavailableReason,
  type DeidChoice,
  type DeidKind,
  type ExportKind,
  type ExportOutcome,
} from './exportFiles';

export interface ExportTarget {
  patientRowId: number | null;
  studyRowId: number | null;
}

export type ExportState =
  | { phase: 'idle' }
  | { phase: 'busy'; kind: ExportKind; text: string }
  | { phase: 'done'; outcome: ExportOutcome; files: FetchedFile[]; html: string | null }
  | { phase: 'failed'; kind: ExportKind; message: string; files: FetchedFile[] };

/** The options dialog of a de-identified export: the workstation's options once they came. */
export interface DeidDialogState {
  kind: DeidKind;
  options: DeidOptionInfo[] | null;
  error: string | null;
}

export interface ExportActions {
  state: ExportState;
  target: ExportTarget;
  /** A de-identified export needs `deid` (its options): without them, open its dialog. */
  run(kind: ExportKind, deid?: DeidChoice): void;
  deidDialog: DeidDialogState | null;
  openDeid(kind: DeidKind): void;
  closeDeid(): void;
  dismiss(): void;
  previewOpen: boolean;
  setPreviewOpen(open: boolean): void;
}

async function make(api: ApiClient, kind: ExportKind, patientRowId: number, studyRowId: number | null, deid?: DeidChoice): Promise<ExportOutcome> {
  switch (kind) {
    case 'deid-exam':
    case 'deid-patient': {
      const input = { options: deid!.options, withResults: deid!.withResults };
      // Written under <home>/exports/deid-<pseudonym>-<time>; a refusal names file and attribute.
      const report = kind === 'deid-exam' ? await api.deidentifyStudy({ ...input, studyRowId: studyRowId! }) : await api.deidentifyPatient({ ...input, patientRowId });
      const zip = await api.zipExport({ dir: report.outDir });
      return deidOutcome(kind, report, zip);
    }
    case 'report':
      return reportOutcome(await api.exportReport({ patientRowId }));
    case 'sr':
      return srOutcome(await api.exportSr({ studyRowId: studyRowId! }));
    case 'seg':
      return segOutcome(await api.exportSeg({ studyRowId: studyRowId! }));
    case 'csv':
      // A relative name: the workstation writes it under <home>/exports and says where.
      return csvOutcome(await api.exportCsv({ patientRowId, out: csvOutName(patientRowId) }));
  }
}

export function useExports(target: ExportTarget): ExportActions {
  const api = useApi();
  const [state, setStateRaw] = useState<ExportState>({ phase: 'idle' });
  const [previewOpen, setPreviewOpen] = useState(false);
  const [deidDialog, setDeidDialog] = useState<DeidDialogState | null>(null);
  const busy = useRef(false);
  const mounted = useRef(true);
  /** The blob: URLs on screen, revoked when the notice changes or the dock goes. */
  const shown = useRef<FetchedFile[]>([]);

  const setState = useCallback((next: ExportState) => {
    const files = next.phase === 'done' || next.phase === 'failed' ? next.files : [];
    const gone = shown.current.filter((f) => !files.includes(f));
    shown.current = files;
    releaseFiles(gone);
    setStateRaw(next);
  }, []);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      releaseFiles(shown.current);
      shown.current = [];
    };
  }, []);

  const { patientRowId, studyRowId } = target;
  const run = useCallback(
    (kind: ExportKind, deid?: DeidChoice) => {
      const item = exportItem(kind);
      if (busy.current) return;
      if (isDeidKind(kind) && !deid) {
        setState({ phase: 'failed', kind, message: 'A de-identified export needs its options (choose them in its dialog)', files: [] });
        return;
      }
      setDeidDialog(null);
      const reason = unavailableReason(item, { patientRowId, studyRowId });
      if (reason || patientRowId === null) {
        setState({ phase: 'failed', kind, message: reason ?? 'No patient open', files: [] });
        return;
      }
      busy.current = true;
      setPreviewOpen(false);
      setState({ phase: 'busy', kind, text: item.busy });
      void (async () => {
        const files: FetchedFile[] = [];
        try {
          let outcome: ExportOutcome;
          try {
            outcome = await make(api, kind, patientRowId, studyRowId, deid);
          } catch (e) {
            if (mounted.current) setState({ phase: 'failed', kind, message: failureText(item, 'export', e), files: [] });
            return;
          }
          let html: string | null = null;
          for (const f of outcome.files) {
            try {
              const { fetched, bytes } = await fetchExport(api, f);
              files.push(fetched);
              if (f.role === 'HTML') html = new TextDecoder('utf-8').decode(bytes);
            } catch (e) {
              if (mounted.current) setState({ phase: 'failed', kind, message: failureText(item, 'download', e, f.path), files: [...files] });
              else releaseFiles(files);
              return;
            }
          }
          if (!mounted.current) {
            releaseFiles(files);
            return;
          }
          for (const f of files) saveFile(f);
          setState({ phase: 'done', outcome, files, html });
        } finally {
          busy.current = false;
        }
      })();
    },
    [api, patientRowId, studyRowId, setState],
  );

  const openDeid = useCallback(
    (kind: DeidKind) => {
      if (busy.current) return;
      setDeidDialog({ kind, options: null, error: null });
      api.deidOptions().then(
        (options) => {
          if (mounted.current) setDeidDialog((d) => (d && d.kind === kind ? { ...d, options } : d));
        },
        (e: unknown) => {
          if (mounted.current) setDeidDialog((d) => (d && d.kind === kind ? { ...d, error: `Could not read the de-identification options: ${e instanceof Error ? e.message : String(e)}` } : d));
        },
      );
    },
    [api],
  );
  const closeDeid = useCallback(() => setDeidDialog(null), []);

  const dismiss = useCallback(() => {
    if (busy.current) return;
    setPreviewOpen(false);
    setState({ phase: 'idle' });
  }, [setState]);

  return { state, target, run, deidDialog, openDeid, closeDeid, dismiss, previewOpen, setPreviewOpen };
}
