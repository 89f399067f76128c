/**
 * The tumor-board table: a row per lesion, a column per exam; under it RECIST 1.1 per exam
 * (sum, change from baseline and nadir, target / non-target / new / overall response, each
 * with its reasons) and volumetry (lesion and liver volume, burden, growth per lesion).
 */
import { Fragment, useState, type ReactNode } from 'react';
import type { ExamColumn, Lesion, LesionCell, LesionTable } from '../../../../core/api/types';
import { signedPct } from '../../../../core/recist/format';
import type { RecistTimepointResult } from '../../../../core/recist/types';
import { useStore } from '../../app/createStore';
import { lesionSelection, selectLesion, compareLabels, lesionWhere, ROLE_SHORT, STATUS_LABEL } from '../lesions';
import { RESPONSE_WORDS, mlText, mmText, recistByStudy, responseClass, vdtText, type AnyResponse } from './tableText';

function Diameters({ cell, lesion }: { cell: LesionCell; lesion: Lesion }) {
  if (cell.longAxisMm === null) return null;
  // RECIST follows a node by its short axis: that is the number to read.
  const node = lesion.lymphNode;
  return (
    <span className="cell-mm" data-long-mm={cell.longAxisMm.toFixed(1)} data-short-mm={cell.shortAxisMm?.toFixed(1) ?? ''}>
      <span className={node ? 'dim' : 'strong'}>{cell.longAxisMm.toFixed(1)}</span>
      {cell.shortAxisMm !== null && (
        <>
          {' × '}
          <span className={node ? 'strong node-axis' : ''}>{cell.shortAxisMm.toFixed(1)}</span>
        </>
      )}
      <span className="dim"> mm</span>
    </span>
  );
}

function Cell({ cell, lesion, exam }: { cell: LesionCell | undefined; lesion: Lesion; exam: ExamColumn }) {
  if (!cell) return <td />;
  const word = cell.status && cell.status !== 'measured' ? STATUS_LABEL[cell.status] : null;
  return (
    <td className="lt-cell" data-testid={`lesion-cell-${lesion.id}-${exam.studyRowId}`} data-status={cell.status ?? ''}>
      {word && <div className={`status-word status-${cell.status}`}>{word}</div>}
      <div className={word ? 'superseded' : undefined}>
        <Diameters cell={cell} lesion={lesion} />
      </div>
      {cell.volumeMl !== null && <div className="cell-ml">{mlText(cell.volumeMl)}</div>}
      {!word && cell.longAxisMm === null && cell.volumeMl === null && <span className="dim">·</span>}
    </td>
  );
}

function Badge({ response, testId, onClick, title }: { response: AnyResponse | null; testId?: string; onClick?: () => void; title?: string }) {
  if (response === null) return <span className="dim">—</span>;
  return (
    <button type="button" className={responseClass(response)} data-testid={testId} data-response={response} title={title ?? RESPONSE_WORDS[response]} onClick={onClick}>
      {response}
    </button>
  );
}

export function LesionTableView({ data, currentStudyRowId }: { data: LesionTable; currentStudyRowId: number | null }) {
  const selectedId = useStore(lesionSelection, (s) => s.selectedLesionId);
  const [expanded, setExpanded] = useState<number | null>(null);
  const { table, assessment } = data;
  const lesions = [...table.lesions].sort((a, b) => compareLabels(a.label, b.label));
  const exams = table.exams;
  const recist = recistByStudy(assessment);
  const volumetry = new Map(assessment.volumetry.exams.map((v) => [v.studyRowId, v]));
  const baselineId = assessment.recistStudyRowIds[0] ?? null;
  const hasVolumes = assessment.volumetry.exams.some((v) => v.totalLesionVolumeMl !== null || v.liverVolumeMl !== null);
  const expandedTp = expanded !== null ? recist.get(expanded) ?? null : null;
  const expandedExam = exams.find((e) => e.studyRowId === expanded);

  const recistRow = (label: string, title: string, render: (tp: RecistTimepointResult, exam: ExamColumn) => ReactNode) => (
    <tr className="recist-row">
      <th scope="row" title={title}>
        {label}
      </th>
      {exams.map((e) => {
        const tp = recist.get(e.studyRowId);
        return <td key={e.studyRowId}>{tp ? render(tp, e) : <span className="dim">—</span>}</td>;
      })}
    </tr>
  );
  const toggle = (id: number) => setExpanded(expanded === id ? null : id);
  const why = (tp: RecistTimepointResult) => tp.explanation.join('\n');

  return (
    <div className="lesion-table-view">
      {exams.length === 0 ? (
        <div className="empty">No exams for this patient.</div>
      ) : (
        <div className="lt-scroll">
          <table className="lt" data-testid="lesion-table">
            <thead>
              <tr>
                <th className="lt-corner">Lesion</th>
                {exams.map((e) => (
                  <th key={e.studyRowId} className={e.studyRowId === currentStudyRowId ? 'current' : undefined} data-study-row-id={e.studyRowId} title={e.description}>
                    <div className="exam-date">{e.date ?? 'no date'}</div>
                    <div className="dim exam-tag">{e.studyRowId === baselineId ? 'baseline' : e.description || '\u00a0'}</div>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {lesions.length === 0 && (
                <tr>
                  <td colSpan={exams.length + 1} className="empty">
                    No lesions yet.
                  </td>
                </tr>
              )}
              {lesions.map((l) => (
                <tr
                  key={l.id}
                  className={`lt-lesion${l.id === selectedId ? ' selected' : ''}`}
                  data-testid="lesion-row"
                  data-lesion-id={l.id}
                  data-lesion-label={l.label}
                  onClick={() => selectLesion(l.id)}
                >
                  <th scope="row" className="lt-lesion-head">
                    <span className="lesion-label">{l.label}</span> <span className={`role-badge role-${l.recistRole}`}>{ROLE_SHORT[l.recistRole]}</span>
                    <div className="dim lt-where">
                      {lesionWhere(l)} · {l.lesionType}
                    </div>
                  </th>
                  {exams.map((e) => (
                    <Cell key={e.studyRowId} cell={table.cells[l.id]?.[e.studyRowId]} lesion={l} exam={e} />
                  ))}
                </tr>
              ))}
            </tbody>
            <tbody className="lt-recist">
              <tr className="lt-section">
                <th colSpan={exams.length + 1}>RECIST 1.1</th>
              </tr>
              {recistRow('Sum of diameters', 'Long axes of non-nodal targets plus short axes of nodal targets', (tp, e) => (
                <span data-testid={`recist-sum-${e.studyRowId}`} data-sum-mm={tp.sumMm ?? ''} title={tp.sumMm === null && tp.partialSumMm !== null ? `Incomplete: ${tp.partialSumMm} mm over the targets evaluated` : undefined}>
                  {tp.sumMm !== null ? mmText(tp.sumMm) : tp.partialSumMm !== null ? `≥ ${mmText(tp.partialSumMm)}` : '—'}
                </span>
              ))}
              {recistRow('Δ from baseline', 'Change of the sum from the baseline sum', (tp) => (tp.baseline ? <span className="dim">baseline</span> : <span className="pct">{signedPct(tp.changeFromBaselinePct)}</span>))}
              {recistRow('Δ from nadir', 'Change of the sum from the smallest earlier sum (the reference for progression)', (tp) =>
                tp.baseline ? (
                  <span className="dim">—</span>
                ) : (
                  <span className="pct" title={tp.nadirMm !== null ? `nadir ${mmText(tp.nadirMm)}` : undefined}>
                    {signedPct(tp.changeFromNadirPct)}
                  </span>
                ),
              )}
              {recistRow('Target', 'Target lesion response', (tp, e) => <Badge response={tp.targetResponse} title={why(tp)} onClick={() => toggle(e.studyRowId)} />)}
              {recistRow('Non-target', 'Non-target lesion response', (tp, e) => <Badge response={tp.nonTargetResponse} title={why(tp)} onClick={() => toggle(e.studyRowId)} />)}
              {recistRow('New lesions', 'Unequivocal new lesions', (tp) =>
                tp.baseline ? <span className="dim">—</span> : tp.newLesions ? <span className="resp resp-pd">yes {tp.newLesionIds.join(', ')}</span> : <span>no</span>,
              )}
              {recistRow('Overall', 'Overall response (RECIST 1.1 table 1); click for the reasons', (tp, e) =>
                tp.baseline ? (
                  <span className="dim" data-testid={`recist-overall-${e.studyRowId}`} data-response="baseline">
                    baseline
                  </span>
                ) : (
                  <Badge response={tp.overallResponse} testId={`recist-overall-${e.studyRowId}`} title={why(tp)} onClick={() => toggle(e.studyRowId)} />
                ),
              )}
            </tbody>
            {hasVolumes && (
              <tbody className="lt-volumetry">
                <tr className="lt-section">
                  <th colSpan={exams.length + 1}>Volumetry</th>
                </tr>
                <tr className="recist-row">
                  <th scope="row">Lesion volume</th>
                  {exams.map((e) => (
                    <td key={e.studyRowId} data-testid={`volume-total-${e.studyRowId}`}>
                      {mlText(volumetry.get(e.studyRowId)?.totalLesionVolumeMl)}
                    </td>
                  ))}
                </tr>
                <tr className="recist-row">
                  <th scope="row">Liver volume</th>
                  {exams.map((e) => (
                    <td key={e.studyRowId}>{mlText(volumetry.get(e.studyRowId)?.liverVolumeMl)}</td>
                  ))}
                </tr>
                <tr className="recist-row">
                  <th scope="row" title="Total lesion volume / liver volume (lesions included)">
                    Tumour burden
                  </th>
                  {exams.map((e) => {
                    const b = volumetry.get(e.studyRowId)?.tumorBurdenPct;
                    return <td key={e.studyRowId}>{b === null || b === undefined ? '—' : `${b.toFixed(1)}%`}</td>;
                  })}
                </tr>
              </tbody>
            )}
          </table>
        </div>
      )}

      {expandedTp && expandedExam && (
        <div className="explain" data-testid="recist-explanation" data-study-row-id={expandedExam.studyRowId}>
          <div className="explain-head">
            <span className="strong">{expandedExam.date}</span> overall <Badge response={expandedTp.overallResponse} />
            <button type="button" className="icon-button" aria-label="Close" onClick={() => setExpanded(null)}>
              ×
            </button>
          </div>
          <ul>
            {expandedTp.explanation.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        </div>
      )}

      {assessment.recistErrors.length > 0 && (
        <div className="recist-errors" data-testid="recist-errors">
          <div className="strong">RECIST 1.1 cannot be assessed yet:</div>
          <ul>
            {assessment.recistErrors.map((e, i) => (
              <li key={i}>{e}</li>
            ))}
          </ul>
        </div>
      )}

      {assessment.recist && (
        <details className="best-overall">
          <summary>
            Best overall response{' '}
            <span className={responseClass(assessment.recist.bestOverallResponse)} data-testid="best-overall-response" data-response={assessment.recist.bestOverallResponse}>
              {assessment.recist.bestOverallResponse}
            </span>{' '}
            <span className="dim">{RESPONSE_WORDS[assessment.recist.bestOverallResponse]}</span>
          </summary>
          <ul>
            {assessment.recist.bestOverallResponseExplanation.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        </details>
      )}

      <GrowthTable data={data} lesions={lesions} />
    </div>
  );
}

function GrowthTable({ data, lesions }: { data: LesionTable; lesions: Lesion[] }) {
  const growth = data.assessment.volumetry.growth;
  const dateOf = new Map(data.table.exams.map((e) => [e.studyRowId, e.date ?? '?']));
  const rows = lesions.filter((l) => growth[l.label]?.length);
  if (!rows.length) return null;
  return (
    <section className="growth" data-testid="growth-table">
      <h3 className="panel-title">Growth per lesion (volume)</h3>
      <div className="lt-scroll">
        <table className="lt growth-table">
          <thead>
            <tr>
              <th className="lt-corner">Lesion</th>
              <th>Interval</th>
              <th>Volume</th>
              <th>Change</th>
              <th title="Volume doubling time (negative: halving time)">VDT</th>
              <th title="Growth per month (exponential model)">/ month</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((l) => (
              <Fragment key={l.id}>
                {growth[l.label].map((g) => (
                  <tr key={`${g.fromStudyRowId}-${g.toStudyRowId}`} title={g.growth.explanation} data-testid="growth-row" data-lesion-label={l.label}>
                    <th scope="row">{l.label}</th>
                    <td title={`${dateOf.get(g.fromStudyRowId)} → ${dateOf.get(g.toStudyRowId)}`}>{Math.round(g.growth.intervalDays)} d</td>
                    <td>
                      {mlText(g.growth.fromVolumeMl)} → {mlText(g.growth.toVolumeMl)}
                    </td>
                    <td className={g.growth.kind === 'growing' ? 'error-text' : g.growth.kind === 'shrinking' ? 'ok-text' : undefined}>{signedPct(g.growth.changePct)}</td>
                    <td>{vdtText(g.growth)}</td>
                    <td>{g.growth.growthPctPerMonth === null ? '—' : signedPct(g.growth.growthPctPerMonth)}</td>
                  </tr>
                ))}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
