/**
 * Monitoring: how each model holds up in reading. Every accepted proposal logs Dice 1
 * (taken as drawn); an edit of its mask logs Dice(model mask, edited mask). The errors
 * count too: a rejected proposal (or one later found not to be a lesion) is a false
 * positive, a lesion the reader added on a series the model ran on, where it proposed
 * nothing, is a miss. Sensitivity and false positives per exam over time sit beside the
 * Dice, so a model that drifts (a new scanner, a new protocol) shows here.
 */
import { useEffect, useMemo, useState } from 'react';
import type { ModelMonitoring } from '../../../../core/api/domains/ai';
import type { AgreementEntry } from '../../../../core/api/types';
import { useApi, useChangeEvent } from '../../api';
import { dateTimeText, fixed } from './aiText';
import { agreementByModel, eventText, readerText } from './modelPlotData';
import { AgreementPlot, TrendPlot } from './ModelPlots';
import { describeError } from './useAiData';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "20250301" (DICOM) → "2025-03-01"; anything else as it is. */
const studyDateText = (d: string | null): string => (d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : (d ?? '—'));

function RunTable({ model }: { model: ModelMonitoring }) {
  return (
    <div className="ai-table-scroll">
      <table className="ai-table" data-testid="monitoring-runs">
        <thead>
          <tr>
            <th>Exam (run finished)</th>
            <th title="Accepted lesion proposals (edited)">TP</th>
            <th title="Rejected proposals, or later found not to be a lesion">FP</th>
            <th title="Lesions the reader added that the model did not propose">missed</th>
            <th>Sensitivity</th>
            <th>Dice</th>
            <th title="Lesion proposals not decided yet (not counted)">open</th>
          </tr>
        </thead>
        <tbody>
          {[...model.runs].reverse().map((r) => (
            <tr key={r.runId} data-testid="monitoring-run" data-run-id={r.runId} data-tp={r.truePositives} data-fp={r.falsePositives} data-fn={r.falseNegatives}>
              <td>
                {dateTimeText(r.finishedAt)}
                <div className="dim ai-run-exam">
                  series {r.seriesId} · study {studyDateText(r.studyDate)} · run {r.runId} ({r.modelVersion})
                </div>
              </td>
              <td>
                {r.truePositives}
                {r.edited > 0 && <span className="dim"> ({r.edited})</span>}
              </td>
              <td className={r.falsePositives > 0 ? 'warn-text' : undefined}>{r.falsePositives}</td>
              <td className={r.falseNegatives > 0 ? 'warn-text' : undefined}>{r.falseNegatives}</td>
              <td>{fixed(r.sensitivity)}</td>
              <td>{fixed(r.meanDice)}</td>
              <td className="dim">{r.undecided}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function EventTable({ entries }: { entries: AgreementEntry[] }) {
  return (
    <div className="ai-table-scroll">
      <table className="ai-table" data-testid="agreement-table">
        <thead>
          <tr>
            <th>When</th>
            <th>Finding</th>
            <th>Event</th>
            <th>Dice</th>
            <th>Reader</th>
            <th>Version</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-testid="agreement-row" data-proposal-id={e.proposalId ?? ''} data-lesion-id={e.lesionId ?? ''} data-event={e.event} data-dice={e.dice === null ? '' : e.dice.toFixed(2)}>
              <td>{dateTimeText(e.at)}</td>
              <td>{e.proposalId !== null ? `#${e.proposalId}` : `lesion ${e.lesionId ?? '—'}`}</td>
              <td className={e.event === 'rejected' || e.event === 'missed' ? 'warn-text' : undefined}>{eventText(e)}</td>
              <td className={e.dice !== null && e.dice < 0.8 ? 'warn-text strong' : 'strong'}>{fixed(e.dice)}</td>
              <td className="dim">{readerText(e.readerName)}</td>
              <td className="dim">{e.modelVersion}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function MonitoringView() {
  const api = useApi();
  const [data, setData] = useState<{ entries: AgreementEntry[]; monitoring: ModelMonitoring[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [modelId, setModelId] = useState('');
  const [nonce, setNonce] = useState(0);
  const reload = () => setNonce((n) => n + 1);
  // Events are logged when a proposal is decided or a lesion is added by hand (onAiChanged)
  // and when a mask is edited (onSegmentationsChanged), for any series of any patient.
  useChangeEvent('onAiChanged', reload);
  useChangeEvent('onSegmentationsChanged', reload);

  useEffect(() => {
    let cancelled = false;
    Promise.all([api.listAgreement(), api.getMonitoring()]).then(
      ([entries, monitoring]) => {
        if (cancelled) return;
        setData({ entries, monitoring });
        setError(null);
      },
      (e: unknown) => !cancelled && setError(`Could not load the monitoring log: ${describeError(e)}`),
    );
    return () => {
      cancelled = true;
    };
  }, [api, nonce]);

  const series = useMemo(() => agreementByModel(data?.entries ?? []), [data]);
  const detection = useMemo(() => new Map((data?.monitoring ?? []).map((m) => [m.modelId, m])), [data]);
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
        <button type="button" className="icon-button" title="Reload the monitoring log" onClick={reload}>
          ↻
        </button>
      </div>
      {error && <div className="error">{error}</div>}
      {data && series.length === 0 && (
        <div className="empty" data-testid="monitoring-empty">
          Nothing logged yet. Each accepted, edited or rejected proposal, and each lesion you add by hand on a series a model ran on, is logged here.
        </div>
      )}
      {shown.map((s) => {
        const m = detection.get(s.modelId) ?? null;
        const t = m?.totals ?? null;
        return (
          <section key={s.modelId} className="ai-monitor-model" data-testid="monitoring-model-section" data-model-id={s.modelId}>
            <h3 className="ai-h3">
              {s.modelId} <span className="dim">{s.versions.join(', ')}</span>
            </h3>
            <div className="ai-summary" data-testid="monitoring-summary">
              <span>{plural(s.points.length, 'accepted proposal')}</span>
              <span>
                mean Dice <span className="strong" data-testid="monitoring-mean">{fixed(s.meanDice)}</span>
              </span>
              <span>lowest {fixed(s.minDice)}</span>
              <span>
                {s.acceptedAsIs} as drawn · {s.edited} edited
              </span>
            </div>
            {t && (
              <div className="ai-summary" data-testid="monitoring-errors">
                <span>{plural(t.exams, 'exam')}</span>
                <span title="TP / (TP + missed): the lesions the model found of those the reader kept">
                  sensitivity <span className="strong" data-testid="monitoring-sensitivity">{fixed(t.sensitivity)}</span>
                </span>
                <span title="Rejected proposals per exam">
                  false positives per exam <span className="strong" data-testid="monitoring-fp">{fixed(t.falsePositivesPerExam)}</span>
                </span>
                <span>
                  <span className={t.falsePositives ? 'warn-text' : undefined} data-testid="monitoring-rejected">
                    {t.falsePositives} rejected
                  </span>{' '}
                  ·{' '}
                  <span className={t.falseNegatives ? 'warn-text' : undefined} data-testid="monitoring-missed">
                    {t.falseNegatives} missed
                  </span>{' '}
                  · {t.truePositives} found
                </span>
              </div>
            )}
            <div className="ai-monitor-plots">
              <AgreementPlot series={s} />
              {m && <TrendPlot model={m} metric="sensitivity" />}
              {m && <TrendPlot model={m} metric="falsePositivesPerExam" />}
            </div>
            <div className="ai-monitor-grid">
              {m ? <RunTable model={m} /> : <div className="dim">No lesion proposal of this model has been decided yet.</div>}
              <EventTable entries={s.entries} />
            </div>
          </section>
        );
      })}
    </div>
  );
}
