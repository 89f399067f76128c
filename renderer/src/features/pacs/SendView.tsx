/**
 * Send the open exam's results to a node: its DICOM SR (measurements), SEG (masks) and the
 * report as Encapsulated PDF, filed under the exam's patient and study on the PACS. The exam
 * is the study of the series open in the viewer; the answer lists what was sent and what was
 * not, with why.
 */
import { useEffect, useRef, useState } from 'react';
import type { PacsNode, PacsProgressEvent, PacsSendResult } from '../../../../core/api/domains/pacs';
import { useApi } from '../../api';
import { appStore } from '../../app/appStore';
import { useStore } from '../../app/createStore';
import { formatPersonName } from '../../ui/format';
import { SEND_LABEL, errorText, isoDate, newJobId, progressText, sendSummary } from './pacsText';

type What = 'sr' | 'seg' | 'report';
const ALL: What[] = ['sr', 'seg', 'report'];

type SendState =
  | { phase: 'idle' }
  | { phase: 'busy'; jobId: string; progress: PacsProgressEvent | null }
  | { phase: 'done'; result: PacsSendResult }
  | { phase: 'failed'; message: string };

export function SendView({ nodes }: { nodes: PacsNode[] }) {
  const api = useApi();
  const series = useStore(appStore, (s) => s.series);
  const [node, setNode] = useState('');
  const [what, setWhat] = useState<What[]>(ALL);
  const [state, setState] = useState<SendState>({ phase: 'idle' });
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const chosen = nodes.some((n) => n.name === node) ? node : (nodes[0]?.name ?? '');
  const studyRowId = series?.studyRowId ?? null;

  async function send(): Promise<void> {
    if (studyRowId === null || !chosen || what.length === 0) return;
    const jobId = newJobId();
    setState({ phase: 'busy', jobId, progress: null });
    const off = api.on('onPacsProgress', (ev) => {
      if (ev.jobId === jobId && mounted.current) setState((s) => (s.phase === 'busy' && s.jobId === jobId ? { ...s, progress: ev } : s));
    });
    try {
      const result = await api.sendToPacs({ name: chosen, studyRowId, what, jobId });
      if (mounted.current) setState({ phase: 'done', result });
    } catch (e) {
      if (mounted.current) setState({ phase: 'failed', message: errorText(e) });
    } finally {
      off();
    }
  }

  if (!series) {
    return (
      <div className="empty" data-testid="pacs-send-view">
        Open a series first: what is sent is its exam’s SR, SEG and report.
      </div>
    );
  }

  return (
    <div className="pacs-send" data-testid="pacs-send-view" data-study-row-id={studyRowId ?? ''}>
      <div className="pacs-form">
        <div className="pacs-form-title">
          <span className="strong">{formatPersonName(series.patient.name)}</span> <span className="dim">{series.patient.patientId}</span> · exam of {isoDate(series.study.date)}{' '}
          {series.study.description && <span className="dim">{series.study.description}</span>}
        </div>
        <div className="pacs-field-row">
          <label className="pacs-field">
            <span className="dim">To</span>
            <select className="pacs-input" data-testid="pacs-send-node" value={chosen} onChange={(e) => setNode(e.target.value)}>
              {nodes.map((n) => (
                <option key={n.id} value={n.name}>
                  {n.name}
                </option>
              ))}
            </select>
          </label>
          {ALL.map((w) => (
            <label key={w} className="pacs-check">
              <input
                type="checkbox"
                data-testid={`pacs-send-${w}`}
                checked={what.includes(w)}
                onChange={(e) => setWhat((cur) => (e.target.checked ? ALL.filter((x) => x === w || cur.includes(x)) : cur.filter((x) => x !== w)))}
              />
              {SEND_LABEL[w]}
            </label>
          ))}
          <span className="dock-spacer" />
          <button type="button" className="button primary" data-testid="pacs-send-button" disabled={state.phase === 'busy' || !chosen || what.length === 0} onClick={() => void send()}>
            {state.phase === 'busy' ? 'Sending…' : 'Send'}
          </button>
        </div>
      </div>
      {state.phase === 'busy' && (
        <div className="pacs-progress" data-testid="pacs-send-progress">
          <div>{state.progress ? progressText(state.progress) : 'Writing the SR, SEG and report…'}</div>
          <progress />
        </div>
      )}
      {state.phase === 'failed' && (
        <div className="error" data-testid="pacs-send-error" role="alert">
          Nothing was sent: {state.message}
        </div>
      )}
      {state.phase === 'done' && (
        <div className="pacs-outcomes" data-testid="pacs-send-result" data-sent={state.result.sent.length} data-failed={state.result.failed.length}>
          <div className="strong">{sendSummary(state.result)}</div>
          <ul>
            {state.result.sent.map((s) => (
              <li key={s.sopInstanceUid} className="pacs-outcome ok">
                ✓ {SEND_LABEL[s.what]} <span className="dim pacs-mono">{s.file.split(/[\\/]/).pop()}</span>
              </li>
            ))}
            {state.result.failed.map((f, i) => (
              <li key={`${f.what}#${i}`} className="pacs-outcome failed">
                ✗ {SEND_LABEL[f.what]}: <span className="error-text">{f.reason}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
