/**
 * Who is reading at this client, in the app shell: recorded by the workstation on every change
 * (audit rows, and sign-offs and reports to come). The name (and an optional ID) is kept in
 * this browser's localStorage and sent with every call; with none stated, the workstation
 * records its default (the OS user), which `getReader()` reports.
 */
import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import { readerLabel, type ReaderIdentity } from '../../../core/api/reader';
import { setStoredReader, useApi, useStoredReader } from '../api';
import './reader.css';

export function ReaderBadge() {
  const api = useApi();
  const stated = useStoredReader();
  /** What the workstation records for this client's calls. */
  const [recorded, setRecorded] = useState<ReaderIdentity | null>(null);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState('');
  const [id, setId] = useState('');

  useEffect(() => {
    let cancelled = false;
    api.getReader().then(
      (r) => !cancelled && setRecorded(r),
      () => !cancelled && setRecorded(null),
    );
    return () => {
      cancelled = true;
    };
  }, [api, stated]);

  const shown = stated ?? recorded;

  const start = () => {
    setName(stated?.name ?? '');
    setId(stated?.id ?? '');
    setEditing(true);
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    setStoredReader({ name, id: id.trim() || null });
    setEditing(false);
  };
  const useDefault = () => {
    setStoredReader(null);
    setEditing(false);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') setEditing(false);
  };

  return (
    <div className="reader" data-testid="reader" data-reader-name={shown?.name ?? ''} data-reader-recorded={recorded?.name ?? ''} data-reader-stated={stated !== null}>
      {editing ? (
        <form className="reader-form" data-testid="reader-form" onSubmit={save} onKeyDown={onKeyDown}>
          <input data-testid="reader-name-input" aria-label="Reader name" placeholder="Name as on a report" value={name} maxLength={128} autoFocus onChange={(e) => setName(e.target.value)} />
          <input data-testid="reader-id-input" aria-label="Reader ID (optional)" placeholder="ID (optional)" value={id} maxLength={128} onChange={(e) => setId(e.target.value)} />
          <div className="reader-actions">
            <button type="submit" className="button primary" data-testid="reader-save" disabled={!name.trim()}>
              Save
            </button>
            {stated && (
              <button type="button" className="button" data-testid="reader-use-default" onClick={useDefault} title="Record the workstation’s default reader instead">
                Use default
              </button>
            )}
            <button type="button" className="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button type="button" className="reader-button" data-testid="reader-edit" onClick={start} title="Recorded on every change you make (history, reports). Click to change.">
          <span className="dim">Reader</span> <span className="reader-name" data-testid="reader-name">{shown ? readerLabel(shown) : '…'}</span>
          {!stated && shown && <span className="dim"> · workstation default</span>}
        </button>
      )}
    </div>
  );
}
