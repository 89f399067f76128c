/**
 * The options of a de-identified DICOM export (PS3.15 Annex E, Basic Application Level
 * Confidentiality Profile with the options of E.3), as the workstation describes them
 * (deidOptions): one checkbox each with what it keeps, checked as its default; and whether the
 * exam's SR + SEG go with it. "De-identify and download" runs the export. Mounted again (a new
 * key) when the options arrive, so that their defaults are the choice.
 */
import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { DeidOptions } from '../../../../core/api/domains/deid';
import { exportItem } from './exportFiles';
import type { DeidDialogState, ExportActions } from './useExports';

function defaults(dialog: DeidDialogState): Partial<DeidOptions> {
  return Object.fromEntries((dialog.options ?? []).map((o) => [o.key, o.default]));
}

export function DeidDialog({ dialog, actions }: { dialog: DeidDialogState; actions: ExportActions }) {
  const { run, closeDeid, target } = actions;
  const [chosen, setChosen] = useState<Partial<DeidOptions>>(() => defaults(dialog));
  const ready = dialog.options !== null;
  const [withResults, setWithResults] = useState(true);
  const runButton = useRef<HTMLButtonElement>(null);
  const item = exportItem(dialog.kind);

  useEffect(() => {
    if (ready) runButton.current?.focus();
  }, [ready]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') closeDeid();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [closeDeid]);

  const start = () => {
    if (!dialog.options) return;
    const options = Object.fromEntries(dialog.options.map((o) => [o.key, chosen[o.key] ?? o.default])) as unknown as DeidOptions;
    run(dialog.kind, { options, withResults });
  };

  return createPortal(
    <div
      className="report-preview-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) closeDeid();
      }}
    >
      <div className="deid-dialog" role="dialog" aria-modal="true" aria-labelledby="deid-dialog-title" data-testid="deid-dialog" data-kind={dialog.kind}>
        <div className="deid-head">
          <span className="strong" id="deid-dialog-title">
            {item.label}
          </span>
        </div>
        <p className="dim deid-intro">
          PS3.15 Annex E (Basic Application Level Confidentiality Profile). The patient gets this workstation&apos;s pseudonym and one date offset; UIDs are replaced
          consistently; every file is searched for the patient&apos;s identifying values before anything is written, and the export is refused if one remains. The
          files are written on the workstation and downloaded as one ZIP.
        </p>
        {dialog.error && (
          <div className="error" role="alert" data-testid="deid-dialog-error">
            {dialog.error}
          </div>
        )}
        {!ready && !dialog.error && <div className="dim">Reading the options…</div>}
        {ready && (
          <ul className="deid-options">
            {dialog.options!.map((o) => (
              <li key={o.key}>
                <label title={o.code ? `DCM ${o.code} (CID 7050)` : undefined}>
                  <input
                    type="checkbox"
                    data-testid={`deid-option-${o.key}`}
                    checked={chosen[o.key] ?? o.default}
                    onChange={(e) => setChosen({ ...chosen, [o.key]: e.target.checked })}
                  />
                  <span>
                    <span className="deid-label">{o.label}</span>
                    {o.default && <span className="dim deid-default"> (default)</span>}
                    <span className="dim deid-description">{o.description}</span>
                  </span>
                </label>
              </li>
            ))}
            <li className="deid-results">
              <label>
                <input type="checkbox" data-testid="deid-with-results" checked={withResults} onChange={(e) => setWithResults(e.target.checked)} />
                <span>
                  <span className="deid-label">Include the SR + SEG of {dialog.kind === 'deid-exam' ? 'the exam' : 'each exam'}</span>
                  <span className="dim deid-description">
                    The lesion measurements (TID 1500) and masks, exported now and de-identified with the images: their references follow the images&apos; new UIDs. An
                    exam without masks or measurements is listed as left out.
                  </span>
                </span>
              </label>
            </li>
          </ul>
        )}
        <div className="deid-actions">
          <button type="button" className="button" data-testid="deid-cancel" onClick={closeDeid}>
            Cancel
          </button>
          <button
            ref={runButton}
            type="button"
            className="button primary"
            data-testid="deid-run"
            disabled={!ready || target.patientRowId === null}
            onClick={start}
          >
            De-identify and download
          </button>
        </div>
      </div>
    </div>,
    document.body,
  );
}
