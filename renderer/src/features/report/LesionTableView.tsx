/**
 * The tumor-board table: a row per lesion, a column per exam; under it RECIST 1.1 per exam
 * (sum, change from baseline and nadir, target / non-target / new / overall response, each
 * with its reasons), who signed each exam, and volumetry (lesion and liver volume, burden,
 * growth per lesion, following the lineage). A lesion's history starts where it was first seen;
 * a cell with several measurements marks the one of record.
 */
import { Fragment, useState, type ReactNode } from 'react';
import type { ExamColumn, ExamSignoff, Lesion, LesionCell, LesionRoleInCase, LesionTable } from '../../../../core/api/types';
import { useApi } from '../../api';
import { signedPct } from '../../../../core/recist/format';
import type { RecistTimepointResult } from '../../../../core/recist/types';
import { useStore } from '../../app/createStore';
import { lesionSelection, selectLesion, compareLabels, lesionWhere, ROLE_SHORT, STATUS_LABEL } from '../lesions';

/** The role a lesion is assessed with, where it differs from the recorded one. */
const ASSESSED_SHORT: Record<LesionRoleInCase['role'], string> = { target: 'T', 'non-target': 'NT', new: 'NEW', fragment: 'FRAG', benign: 'BENIGN', unmatched: 'UNMATCHED' };
import { RESPONSE_WORDS, mlText, mmText, recistByStudy, responseClass, vdtText, type AnyResponse } from '../../../../core/report/tableText';

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

function Cell({ cell, lesion, exam, beforeFirstSeen, volume }: { cell: LesionCell | undefined; lesion: Lesion; exam: ExamColumn; beforeFirstSeen: boolean; volume: { volumeMl: number; note: string | null } | undefined }) {
  if (!cell) return <td />;
  // Before a lesion was first seen it has no history: nothing is missing there.
  if (beforeFirstSeen) return <td className="lt-cell before-first-seen" data-testid={`lesion-cell-${lesion.id}-${exam.studyRowId}`} data-status="before-first-seen" title="Not yet seen on this exam" />;
  const word = cell.status && cell.status !== 'measured' ? STATUS_LABEL[cell.status] : null;
  const volumeMl = volume?.volumeMl ?? cell.volumeMl;
  return (
    <td className="lt-cell" data-testid={`lesion-cell-${lesion.id}-${exam.studyRowId}`} data-status={cell.status ?? ''} data-measurement-id={cell.measurementId ?? ''}>
      {word && <div className={`status-word status-${cell.status}`}>{word}</div>}
      <div className={word ? 'superseded' : undefined}>
        <Diameters cell={cell} lesion={lesion} />
        {cell.measurementCount > 1 && (
          <span
            className={`record-mark${cell.recordChosenBy === 'reader' ? ' chosen' : ''}`}
            data-testid={`record-mark-${lesion.id}-${exam.studyRowId}`}
            data-count={cell.measurementCount}
            data-chosen-by={cell.recordChosenBy ?? ''}
            title={`${cell.measurementCount} measurements on this exam; the one shown is of record (${cell.recordChosenBy === 'reader' ? 'chosen by a reader' : 'the earliest, by default'}). Choose another in the lesion panel.`}
          >
            {' '}★{cell.measurementCount}
          </span>
        )}
      </div>
      {volumeMl !== null && (
        <div className="cell-ml" title={volume?.note ?? undefined}>
          {mlText(volumeMl)}
          {volume?.note && <span className="dim"> *</span>}
        </div>
      )}
      {!word && cell.longAxisMm === null && volumeMl === null && <span className="dim">·</span>}
    </td>
  );
}

/** Who signed an exam, or the button to sign it; reopening asks for a reason. */
function SignoffCell({ exam, signoff }: { exam: ExamColumn; signoff: ExamSignoff | undefined }) {
  const api = useApi();
  const [reopening, setReopening] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    try {
      await what();
      setReopening(false);
      setReason('');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div className="signoff-cell">
      {signoff ? (
        <div data-testid={`signed-${exam.studyRowId}`} data-reader={signoff.reader.name} title={`Signed ${signoff.signedAt}; the exam is locked`}>
          <span className="lock">✓ signed</span> {signoff.reader.name}
          <div className="dim">{signoff.signedAt.slice(0, 16).replace('T', ' ')}</div>
          {!reopening ? (
            <button type="button" className="link-button" data-testid={`reopen-${exam.studyRowId}`} onClick={() => setReopening(true)}>
              reopen…
            </button>
          ) : (
            <form
              className="reopen-form"
              onSubmit={(e) => {
                e.preventDefault();
                void act(() => api.reopenExam({ studyRowId: exam.studyRowId, reason }));
              }}
            >
              <input data-testid={`reopen-reason-${exam.studyRowId}`} placeholder="reason (kept with the signature)" value={reason} onChange={(e) => setReason(e.target.value)} />
              <button type="submit" className="button" data-testid={`reopen-confirm-${exam.studyRowId}`} disabled={!reason.trim()}>
                Reopen
              </button>
            </form>
          )}
        </div>
      ) : (
        <button type="button" className="button" data-testid={`signoff-${exam.studyRowId}`} title="Sign this exam's assessment as the current reader; it is then locked" onClick={() => void act(() => api.signOffExam({ studyRowId: exam.studyRowId }))}>
          Sign
        </button>
      )}
      {error && (
        <div className="error" data-testid={`signoff-error-${exam.studyRowId}`}>
          {error}
        </div>
      )}
    </div>
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
  const roleOf = new Map(assessment.lesionRoles.map((r) => [r.lesionId, r]));
  const signoffOf = new Map(table.signoffs.filter((x) => x.reopenedAt === null).map((x) => [x.studyRowId, x]));
  const examIndex = new Map(exams.map((e, i) => [e.studyRowId, i]));
  const beforeFirstSeen = (lesionId: number, studyRowId: number): boolean => {
    const first = roleOf.get(lesionId)?.firstSeenStudyRowId;
    return first !== null && first !== undefined && examIndex.get(studyRowId)! < examIndex.get(first)!;
  };

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
                    <div className="dim exam-tag">
                      {signoffOf.has(e.studyRowId) && <span className="signed-tag" title={`Signed by ${signoffOf.get(e.studyRowId)!.reader.name}: locked`}>✓ signed · </span>}
                      {e.studyRowId === baselineId ? 'baseline' : e.description || '\u00a0'}
                    </div>
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
                    {roleOf.get(l.id) && roleOf.get(l.id)!.role !== l.recistRole && (
                      <>
                        {' '}
                        <span className={`role-badge role-${roleOf.get(l.id)!.role}`} data-testid="assessed-role" data-role={roleOf.get(l.id)!.role} title={roleOf.get(l.id)!.note ?? undefined}>
                          {ASSESSED_SHORT[roleOf.get(l.id)!.role]}
                        </span>
                      </>
                    )}
                    <div className="dim lt-where">
                      {lesionWhere(l)} · {l.lesionType}
                    </div>
                  </th>
                  {exams.map((e) => (
                    <Cell
                      key={e.studyRowId}
                      cell={table.cells[l.id]?.[e.studyRowId]}
                      lesion={l}
                      exam={e}
                      beforeFirstSeen={beforeFirstSeen(l.id, e.studyRowId)}
                      volume={assessment.volumetry.lesions[l.label]?.[e.studyRowId]}
                    />
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
              {recistRow('New lesions', 'Unequivocal new lesions (RECIST 1.1 §4.3.5); equivocal ones count once a later exam confirms them', (tp, e) =>
                tp.baseline ? (
                  <span className="dim">—</span>
                ) : (
                  <span data-testid={`recist-new-${e.studyRowId}`} data-new={tp.newLesionIds.join(',')} data-equivocal={tp.equivocalNewLesionIds.join(',')}>
                    {tp.newLesions ? <span className="resp resp-pd">yes {tp.newLesionIds.join(', ')}</span> : <span>no</span>}
                    {tp.equivocalNewLesionIds.length > 0 && <div className="dim">equivocal {tp.equivocalNewLesionIds.join(', ')}</div>}
                  </span>
                ),
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
              {recistRow('Signed', "Who signed the exam's assessment; a signed exam is locked until it is reopened with a reason", (_tp, e) => (
                <SignoffCell exam={e} signoff={signoffOf.get(e.studyRowId)} />
              ))}
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
