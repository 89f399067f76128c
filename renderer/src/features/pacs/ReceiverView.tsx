/**
 * The C-STORE receiver (off by default): whether it listens, as which AE title on which
 * port, whom it accepts, how many images it has imported and its last error; start, stop,
 * and its settings (applied by restarting it). The status is asked again every few seconds
 * while this tab is up, for the count.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ReceiverStatus } from '../../../../core/api/domains/pacs';
import { useApi } from '../../api';
import { errorText, parseAeList, receiverText } from './pacsText';

const POLL_MS = 5000;

export function ReceiverView() {
  const api = useApi();
  const [status, setStatus] = useState<ReceiverStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [form, setForm] = useState<{ aeTitle: string; port: string; allowed: string } | null>(null);

  const load = useCallback(async () => {
    try {
      const s = await api.receiverStatus();
      setStatus(s);
      setForm((f) => f ?? { aeTitle: s.aeTitle, port: String(s.port), allowed: s.allowedCallingAets.join(', ') });
    } catch (e) {
      setError(`Could not read the receiver's status: ${errorText(e)}`);
    }
  }, [api]);

  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [load]);

  async function apply(running: boolean, event?: FormEvent): Promise<void> {
    event?.preventDefault();
    if (!form) return;
    const port = Number(form.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      setError(`Port "${form.port}" is not a TCP port (1–65535).`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const s = await api.setReceiver({ running, aeTitle: form.aeTitle.trim(), port, allowedCallingAets: parseAeList(form.allowed) });
      setStatus(s);
      setForm({ aeTitle: s.aeTitle, port: String(s.port), allowed: s.allowedCallingAets.join(', ') });
    } catch (e) {
      setError(`${running ? 'The receiver did not start' : 'The receiver did not stop'}: ${errorText(e)}`);
      void load();
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="pacs-receiver" data-testid="pacs-receiver-view" data-running={status?.running ?? ''}>
      <div className="dim">
        The receiver accepts images pushed to this workstation (C-STORE), e.g. by a PACS answering a C-MOVE or a modality. What arrives is imported like any folder.
      </div>
      {status && (
        <div className={`pacs-receiver-status ${status.running ? 'running' : 'stopped'}`} data-testid="pacs-receiver-status">
          <span className={`pacs-dot ${status.running ? 'on' : 'off'}`} aria-hidden="true" />
          {receiverText(status)}
        </div>
      )}
      {status?.lastError && (
        <div className="error" data-testid="pacs-receiver-last-error">
          Last error: {status.lastError}
        </div>
      )}
      {form && (
        <form className="pacs-form" onSubmit={(e) => void apply(true, e)}>
          <div className="pacs-field-row">
            <label className="pacs-field">
              <span className="dim">AE title</span>
              <input className="pacs-input" data-testid="pacs-receiver-aet" value={form.aeTitle} maxLength={16} onChange={(e) => setForm({ ...form, aeTitle: e.target.value })} spellCheck={false} />
            </label>
            <label className="pacs-field">
              <span className="dim">Port</span>
              <input className="pacs-input narrow" data-testid="pacs-receiver-port" value={form.port} inputMode="numeric" onChange={(e) => setForm({ ...form, port: e.target.value })} />
            </label>
            <label className="pacs-field grow">
              <span className="dim">Accepted calling AE titles (empty: any)</span>
              <input
                className="pacs-input"
                data-testid="pacs-receiver-allowed"
                value={form.allowed}
                placeholder="ORTHANC, CT01"
                onChange={(e) => setForm({ ...form, allowed: e.target.value })}
                spellCheck={false}
              />
            </label>
          </div>
          <div className="pacs-row">
            {status?.running ? (
              <>
                <button type="submit" className="button primary" data-testid="pacs-receiver-apply" disabled={busy}>
                  Apply (restart)
                </button>
                <button type="button" className="button" data-testid="pacs-receiver-stop" disabled={busy} onClick={() => void apply(false)}>
                  Stop
                </button>
              </>
            ) : (
              <button type="submit" className="button primary" data-testid="pacs-receiver-start" disabled={busy}>
                Start
              </button>
            )}
            <span className="dim">Register this AE title, host and port at the PACS as a destination for C-MOVE.</span>
          </div>
        </form>
      )}
      {error && (
        <div className="error" data-testid="pacs-receiver-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
