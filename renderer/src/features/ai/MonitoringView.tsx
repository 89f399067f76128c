/**
 * Monitoring: how well each model's masks hold up in reading. Every accepted proposal
 * logs Dice 1 (taken as drawn); an edit of its mask logs Dice(model mask, edited mask).
 * A model that drifts (a new scanner, a new protocol) shows as falling agreement here.
 */
import { useEffect, useMemo, useState } from 'react';
import type { AgreementEntry } from '../../../../core/api/types';
import { useApi, useChangeEvent } from '../../api';
import { dateTimeText, fixed } from './aiText';
import { agreementByModel } from './modelPlotData';
import { AgreementPlot } from './ModelPlots';
import { describeError } from './useAiData';

export function MonitoringView() {
  const api = useApi();
  const [entries, setEntries] = useState<AgreementEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [modelId, setModelId] = useState('');
  const [nonce, setNonce] = useState(0);
  const reload = () => setNonce((n) => n + 1);
  // Agreement is logged when a proposal is accepted (onAiChanged) and when its mask is edited
  // (onSegmentationsChanged), for any series of any patient.
  useChangeEvent('onAiChanged', reload);
  useChangeEvent('onSegmentationsChanged', reload);

  useEffect(() => {
    let cancelled = false;
    api.listAgreement().then(
      (list) => {
        if (cancelled) return;
        setEntries(list);
        setError(null);
      },
      (e: unknown) => !cancelled && setError(`Could not load the agreement log: ${describeError(e)}`),
    );
    return () => {
      cancelled = true;
    };
  }, [api, nonce]);

  const series = useMemo(() => agreementByModel(entries ?? []), [entries]);
  const shown = modelId ? series.filter((s) => s.modelId === modelId) : series;

  return (
    <div className="ai-monitoring" data-testid="monitoring-view">
      <div className="ai-row">
        <span className="dim">Model</span>
        <select className="ai-select auto" data-testid="monitoring-model" value={modelId} onChange={(e) => setModelId(e.target.value)}>
          <option value="">all models</option>
          {series.map((s) => (
            <option key={s.modelId} value={s.modelId}>
              {s.modelId}
            </option>
          ))}
        </select>
        <button type="button" className="icon-button" title="Reload the agreement log" onClick={reload}>
          ↻
        </button>
      </div>
      {error && <div className="error">{error}</div>}
      {entries && series.length === 0 && (
        <div className="empty" data-testid="monitoring-empty">
          No model mask has been accepted yet. Each accepted proposal, and each later edit of its mask, is logged here.
        </div>
      )}
      {shown.map((s) => (
        <section key={s.modelId} className="ai-monitor-model" data-testid="monitoring-model-section" data-model-id={s.modelId}>
          <h3 className="ai-h3">
            {s.modelId} <span className="dim">{s.versions.join(', ')}</span>
          </h3>
          <div className="ai-summary" data-testid="monitoring-summary">
            <span>
              {s.points.length} accepted proposal{s.points.length === 1 ? '' : 's'}
            </span>
            <span>
              mean Dice <span className="strong" data-testid="monitoring-mean">{fixed(s.meanDice)}</span>
            </span>
            <span>lowest {fixed(s.minDice)}</span>
            <span>
              {s.acceptedAsIs} as drawn · {s.edited} edited
            </span>
          </div>
          <div className="ai-monitor-grid">
            <AgreementPlot series={s} />
            <div className="ai-table-scroll">
              <table className="ai-table" data-testid="agreement-table">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Proposal</th>
                    <th>Event</th>
                    <th>Dice</th>
                    <th>Version</th>
                  </tr>
                </thead>
                <tbody>
                  {s.entries.map((e) => (
                    <tr key={e.id} data-testid="agreement-row" data-proposal-id={e.proposalId} data-event={e.event} data-dice={e.dice.toFixed(2)}>
                      <td>{dateTimeText(e.at)}</td>
                      <td>#{e.proposalId}</td>
                      <td>{e.event === 'accepted' ? 'accepted' : 'mask edited'}</td>
                      <td className={e.dice < 0.8 ? 'warn-text strong' : 'strong'}>{fixed(e.dice)}</td>
                      <td className="dim">{e.modelVersion}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        </section>
      ))}
    </div>
  );
}
