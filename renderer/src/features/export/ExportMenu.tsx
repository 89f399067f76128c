/**
 * "Export ▾" in the dock: the tumor-board report of the patient, the open exam's DICOM SR + SEG
 * or SEG, the lesion table as CSV, de-identified DICOM of the exam or the patient (through its
 * options dialog). The menu floats above the dock (a portal on the body, placed
 * under the button) so the dock's clipping never cuts it.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { DeidDialog } from './DeidDialog';
import { EXPORT_ITEMS, isDeidKind, unavailableReason } from './exportFiles';
import type { ExportActions } from './useExports';

export function ExportMenu({ actions }: { actions: ExportActions }) {
  const { state, target, run, deidDialog, openDeid } = actions;
  const [open, setOpen] = useState(false);
  const [place, setPlace] = useState<{ top: number; right: number } | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const busy = state.phase === 'busy';

  useLayoutEffect(() => {
    if (!open || !button.current) return;
    const r = button.current.getBoundingClientRect();
    setPlace({ top: r.bottom + 2, right: Math.max(4, window.innerWidth - r.right) });
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (menu.current?.contains(t) || button.current?.contains(t)) return;
      setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    const close = () => setOpen(false);
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    window.addEventListener('resize', close);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
      window.removeEventListener('resize', close);
    };
  }, [open]);

  // Keyboard: the first enabled item takes the focus when the menu opens.
  useEffect(() => {
    if (open && place) menu.current?.querySelector<HTMLButtonElement>('button:not(:disabled)')?.focus();
  }, [open, place]);

  return (
    <>
      <button
        ref={button}
        type="button"
        className="button export-button"
        data-testid="export-menu"
        data-patient-row-id={target.patientRowId ?? ''}
        data-study-row-id={target.studyRowId ?? ''}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-busy={busy}
        disabled={target.patientRowId === null}
        title={target.patientRowId === null ? 'Open a series first: exports are of its patient' : 'Export results: report, DICOM SR/SEG, CSV'}
        onClick={() => setOpen(!open)}
      >
        {busy ? 'Exporting…' : 'Export ▾'}
      </button>
      {open &&
        place &&
        createPortal(
          <div ref={menu} className="export-dropdown" role="menu" data-testid="export-dropdown" style={{ top: place.top, right: place.right }}>
            {EXPORT_ITEMS.map((item) => {
              const reason = busy ? 'An export is running' : unavailableReason(item, target);
              return (
                <button
                  key={item.kind}
                  type="button"
                  role="menuitem"
                  className="export-item"
                  data-testid={`export-${item.kind}`}
                  disabled={reason !== null}
                  title={reason ?? undefined}
                  onClick={() => {
                    setOpen(false);
                    if (isDeidKind(item.kind)) openDeid(item.kind);
                    else run(item.kind);
                  }}
                >
                  {item.label}
                  <span className="dim export-scope">{item.scope === 'exam' ? 'open exam' : 'patient'}</span>
                </button>
              );
            })}
          </div>,
          document.body,
        )}
      {deidDialog && <DeidDialog key={`${deidDialog.kind}:${deidDialog.options ? 'ready' : 'loading'}`} dialog={deidDialog} actions={actions} />}
    </>
  );
}
