/**
 * The tumor-board report's HTML, read inside the app: a modal over the workstation with the
 * report in a sandboxed frame (srcdoc, no scripts, no same-origin: the report is a document,
 * never code with the workstation's session). The file is self-contained, so nothing is fetched.
 */
import { useEffect, useRef } from 'react';
import { createPortal } from 'react-dom';
import type { FetchedFile } from './download';

export function ReportPreview({ html, title, files, onClose }: { html: string; title: string; files: FetchedFile[]; onClose(): void }) {
  const close = useRef<HTMLButtonElement>(null);
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onCloseRef.current = onClose;
  });

  useEffect(() => {
    close.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onCloseRef.current();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  return createPortal(
    <div
      className="report-preview-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className="report-preview" role="dialog" aria-modal="true" aria-label={`${title} preview`} data-testid="report-preview">
        <div className="report-preview-head">
          <span className="strong">{title}</span>
          <span className="dim">preview of the HTML file</span>
          <span className="report-preview-spacer" />
          {files.map((f) => (
            <a key={f.path} className="button" href={f.url} download={f.name} title={`Save ${f.name}`}>
              Save {f.role}
            </a>
          ))}
          <button ref={close} type="button" className="button" data-testid="report-preview-close" onClick={onClose} title="Close the preview (Esc)">
            Close
          </button>
        </div>
        {/* sandbox="": no scripts, no forms, an opaque origin; srcdoc keeps it inside the app. */}
        <iframe className="report-preview-frame" data-testid="report-preview-frame" title={title} sandbox="" srcDoc={html} referrerPolicy="no-referrer" />
      </div>
    </div>,
    document.body,
  );
}
