/**
 * Under the dock's patient line: the export that runs, what it made (the files, downloaded and
 * kept as links to save again, where the workstation wrote them, its warnings), or what failed
 * with the workstation's message. The report's HTML opens in the preview from here.
 */
import { sizeText, folderOf } from './exportFiles';
import { ReportPreview } from './ReportPreview';
import type { FetchedFile } from './download';
import type { ExportActions } from './useExports';

function FileLinks({ files }: { files: FetchedFile[] }) {
  return (
    <ul className="export-files">
      {files.map((f) => (
        <li key={f.path}>
          <span className="badge">{f.role}</span>{' '}
          <a href={f.url} download={f.name} data-testid="export-file" data-name={f.name} data-role={f.role} title={`Save ${f.name} again (written on the workstation as ${f.path})`}>
            {f.name}
          </a>{' '}
          <span className="dim">{sizeText(f.size)}</span>
        </li>
      ))}
    </ul>
  );
}

export function ExportNotice({ actions }: { actions: ExportActions }) {
  const { state, dismiss, previewOpen, setPreviewOpen } = actions;
  if (state.phase === 'idle') return null;

  return (
    <div className={`export-notice ${state.phase}`} data-testid="export-notice" data-phase={state.phase} data-kind={state.phase === 'done' ? state.outcome.kind : state.kind} role="status" aria-live="polite">
      {state.phase === 'busy' && (
        <div className="export-busy" data-testid="export-busy">
          <span className="export-spinner" aria-hidden="true" />
          {state.text}
        </div>
      )}
      {state.phase === 'failed' && (
        <>
          <div className="error" data-testid="export-error" role="alert">
            {state.message}
          </div>
          {state.files.length > 0 && <FileLinks files={state.files} />}
        </>
      )}
      {state.phase === 'done' && (
        <div data-testid="export-result" data-files={state.files.map((f) => f.name).join(' ')} data-warnings={state.outcome.warnings.length}>
          <div className="export-head">
            <span className="strong">{state.outcome.title}</span>
            <span className="export-ok">downloaded</span>
            {state.html !== null && (
              <button type="button" className="button export-preview-button" data-testid="export-preview" onClick={() => setPreviewOpen(true)}>
                Preview
              </button>
            )}
          </div>
          <div className="dim" data-testid="export-summary">
            {state.outcome.summary}
          </div>
          {state.outcome.details && state.outcome.details.length > 0 && (
            <ul className="export-details" data-testid="export-details" title="The key (original → pseudonym) is shown here only, to you: it is not in the exported files">
              {state.outcome.details.map((d, i) => (
                <li key={i} data-testid="export-pseudonym">
                  {d}
                </li>
              ))}
            </ul>
          )}
          <FileLinks files={state.files} />
          {state.outcome.where ? (
            <div className="dim export-where" data-testid="export-where">
              The files are on the workstation in {state.outcome.where}
            </div>
          ) : (
            state.files.length > 0 && <div className="dim export-where">Also saved on the workstation in {folderOf(state.files[0].path)}</div>
          )}
          {state.outcome.warnings.length > 0 && (
            <details className="export-warnings" data-testid="export-warnings" open={state.outcome.warnings.length <= 3}>
              <summary className="warn">
                ⚠ {state.outcome.warnings.length} warning{state.outcome.warnings.length === 1 ? '' : 's'}
              </summary>
              <ul>
                {state.outcome.warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
      {state.phase !== 'busy' && (
        <button type="button" className="icon-button export-close" data-testid="export-notice-close" title="Close this notice" onClick={dismiss}>
          ×
        </button>
      )}
      {state.phase === 'done' && state.html !== null && previewOpen && (
        <ReportPreview html={state.html} title={state.outcome.title} files={state.files} onClose={() => setPreviewOpen(false)} />
      )}
    </div>
  );
}
