/**
 * The follow-up tab of the dock: choose the baseline and the follow-up exam, register the
 * follow-up to the baseline (elastix, with progress; or corrected with corresponding points
 * clicked in both exams side by side), match the lesions, and review the links — the queue
 * of proposed links least confident first, with confirm, reject, relink, split and merge;
 * confirmed links can be unlinked. The links, registrations and lesion table reload on the
 * workstation's onFollowUpChanged (renderer/src/useChangeFeeds.ts), not after each call.
 */
import { useEffect, useMemo, useState } from 'react';
import type { FollowUpMatchResult, LesionLinkRow, LesionTable, RegistrationProgressEvent } from '../../../../core/api/types';
import { useApi } from '../../api';
import { appStore } from '../../app/appStore';
import { useStore } from '../../app/createStore';
import { openSeries, viewportActions } from '../viewer';
import { followUpActions, followUpStore } from './followUpStore';
import { defaultExamPair, primarySeriesId, summarizeFollowUp, validPair, type ExamPair } from './followUpModel';
import { describeError, lpsShiftText, progressText, registrationSummary } from './followUpText';
import { LandmarkBox } from './LandmarkBox';
import { LinkLists } from './LinkLists';
import { useRegistrations } from './useRegistrationSync';

export interface FollowUpPanelProps {
  patientRowId: number | null;
  data: LesionTable | null;
  /** The exam of the series open in the viewer. */
  currentStudyRowId: number | null;
}

/** The primary series of each exam of the pair (the ones registered and compared). */
function usePairSeries(pair: ExamPair | null): { fixedSeriesId: number | null; movingSeriesId: number | null } {
  const api = useApi();
  const [ids, setIds] = useState<{ key: string; fixed: number | null; moving: number | null }>({ key: '', fixed: null, moving: null });
  const key = pair ? `${pair.baselineStudyRowId}>${pair.followUpStudyRowId}` : '';
  useEffect(() => {
    if (!pair) return;
    let cancelled = false;
    Promise.all([api.listSeries(pair.baselineStudyRowId), api.listSeries(pair.followUpStudyRowId)]).then(
      ([b, f]) => !cancelled && setIds({ key, fixed: primarySeriesId(b), moving: primarySeriesId(f) }),
      () => !cancelled && setIds({ key, fixed: null, moving: null }),
    );
    return () => {
      cancelled = true;
    };
    // `key` stands for the pair.
  }, [api, key]);
  return ids.key === key ? { fixedSeriesId: ids.fixed, movingSeriesId: ids.moving } : { fixedSeriesId: null, movingSeriesId: null };
}

/** Baseline and follow-up side by side in the viewer, whichever of them is open. */
export function showSideBySide(fixedSeriesId: number, movingSeriesId: number): void {
  const open = appStore.getState().seriesId;
  if (open === fixedSeriesId) viewportActions.chooseCompareSeries(movingSeriesId);
  else if (open === movingSeriesId) viewportActions.chooseCompareSeries(fixedSeriesId);
  else {
    // The follow-up is what is read; the baseline is its prior.
    openSeries(movingSeriesId);
    viewportActions.chooseCompareSeries(fixedSeriesId);
  }
}

export function FollowUpPanel({ patientRowId, data, currentStudyRowId }: FollowUpPanelProps) {
  const api = useApi();
  const exams = useMemo(() => data?.table.exams ?? [], [data]);
  const landmarks = useStore(followUpStore, (s) => s.landmarks);
  const [chosen, setChosen] = useState<{ patient: number | null; pair: ExamPair | null }>({ patient: null, pair: null });
  const pair = chosen.patient === patientRowId && validPair(exams, chosen.pair) ? chosen.pair : defaultExamPair(exams, currentStudyRowId);
  const { fixedSeriesId, movingSeriesId } = usePairSeries(pair);
  const { registrations, error: registrationsError } = useRegistrations(patientRowId);
  const [links, setLinks] = useState<{ key: string; rows: LesionLinkRow[] } | null>(null);
  const followUpRevision = useStore(followUpStore, (s) => s.revision);
  const [progress, setProgress] = useState<RegistrationProgressEvent | null>(null);
  const [busy, setBusy] = useState<'register' | 'match' | 'link' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [match, setMatch] = useState<FollowUpMatchResult | null>(null);
  const [transform, setTransform] = useState<'affine' | 'rigid'>('affine');
  const pairKey = pair ? `${pair.baselineStudyRowId}>${pair.followUpStudyRowId}` : '';

  // Links of the pair, reloaded on every follow-up change of the patient (and whenever the table is).
  useEffect(() => {
    if (!pair) return;
    let cancelled = false;
    api.listLesionLinks({ baselineStudyRowId: pair.baselineStudyRowId, followUpStudyRowId: pair.followUpStudyRowId }).then(
      (rows) => !cancelled && setLinks({ key: pairKey, rows }),
      (e: unknown) => !cancelled && setError(`Could not read the lesion links: ${describeError(e)}`),
    );
    return () => {
      cancelled = true;
    };
    // `pairKey` stands for the pair; a reloaded table means the links may have changed too.
  }, [api, pairKey, followUpRevision, data]);

  // Registration progress of this pair (a match registers first when the pair has none).
  useEffect(() => {
    if (fixedSeriesId === null || movingSeriesId === null) return;
    return api.on('onRegistrationProgress', (e) => {
      if (e.fixedSeriesId === fixedSeriesId && e.movingSeriesId === movingSeriesId) setProgress(e);
    });
  }, [api, fixedSeriesId, movingSeriesId]);

  // A new pair starts clean.
  useEffect(() => {
    setMatch(null);
    setProgress(null);
    setError(null);
  }, [pairKey]);

  // Points picked for another pair of series are dropped; so is picking when the panel goes
  // (clicks must not be taken by a correction nobody sees).
  useEffect(() => {
    const session = followUpStore.getState().landmarks;
    if (session && (session.fixedSeriesId !== fixedSeriesId || session.movingSeriesId !== movingSeriesId)) followUpActions.setLandmarks(null);
  }, [fixedSeriesId, movingSeriesId]);
  useEffect(() => () => followUpActions.setLandmarks(null), []);

  if (patientRowId === null) return <div className="empty">Open a series: the follow-up of its patient is prepared here.</div>;
  if (!data) return <div className="empty">Loading the exams of this patient…</div>;
  if (exams.length < 2 || !pair)
    return (
      <div className="followup-panel" data-testid="followup-panel">
        <div className="empty">This patient has one exam. Import a follow-up exam to register it and match its lesions to the baseline.</div>
      </div>
    );

  const registration =
    registrations?.find((r) => r.status === 'current' && r.fixedSeriesId === fixedSeriesId && r.movingSeriesId === movingSeriesId) ?? null;
  const summary = registration ? registrationSummary(registration) : null;
  const linkRows = links?.key === pairKey ? links.rows : null;
  const lists = linkRows ? summarizeFollowUp(linkRows, data.table, pair) : null;
  const examLabel = (id: number) => {
    const e = exams.find((x) => x.studyRowId === id);
    return e ? `${e.date ?? 'no date'}${e.description ? ` · ${e.description}` : ''}` : String(id);
  };
  const running = busy === 'register' || busy === 'match';
  const ready = fixedSeriesId !== null && movingSeriesId !== null;

  const choose = (patch: Partial<ExamPair>) => setChosen({ patient: patientRowId, pair: { ...pair, ...patch } });

  const register = async () => {
    if (!ready) return;
    setBusy('register');
    setError(null);
    setProgress({ fixedSeriesId: fixedSeriesId!, movingSeriesId: movingSeriesId!, phase: 'loading', state: 'started', fraction: 0, error: null });
    try {
      await api.registerSeries({ fixedSeriesId: fixedSeriesId!, movingSeriesId: movingSeriesId!, transform });
    } catch (e) {
      setError(`The registration of the follow-up (${examLabel(pair.followUpStudyRowId)}) to the baseline failed: ${describeError(e)}. Nothing was changed; correct it with points instead.`);
    } finally {
      setBusy(null);
    }
  };

  const runMatch = async () => {
    setBusy('match');
    setError(null);
    try {
      const result = await api.matchFollowUp({ baselineStudyRowId: pair.baselineStudyRowId, followUpStudyRowId: pair.followUpStudyRowId });
      setMatch(result);
    } catch (e) {
      setError(`Could not match the lesions of ${examLabel(pair.followUpStudyRowId)} to the baseline: ${describeError(e)}`);
    } finally {
      setBusy(null);
    }
  };

  /** One link decision; the table and the links reload on its onFollowUpChanged. */
  const decide = async (what: string, action: () => Promise<unknown>) => {
    setBusy('link');
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(`Could not ${what}: ${describeError(e)}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="followup-panel" data-testid="followup-panel" data-baseline-study={pair.baselineStudyRowId} data-followup-study={pair.followUpStudyRowId}>
      <section className="fu-section">
        <h3 className="panel-title">Exams</h3>
        <div className="fu-exams">
          <label>
            <span className="dim">Baseline</span>
            <select
              data-testid="fu-baseline"
              value={pair.baselineStudyRowId}
              disabled={running}
              onChange={(e) => choose({ baselineStudyRowId: Number(e.target.value) })}
            >
              {exams.map((e) => (
                <option key={e.studyRowId} value={e.studyRowId} disabled={e.studyRowId === pair.followUpStudyRowId}>
                  {examLabel(e.studyRowId)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span className="dim">Follow-up</span>
            <select
              data-testid="fu-followup"
              value={pair.followUpStudyRowId}
              disabled={running}
              onChange={(e) => choose({ followUpStudyRowId: Number(e.target.value) })}
            >
              {exams.map((e) => (
                <option key={e.studyRowId} value={e.studyRowId} disabled={e.studyRowId === pair.baselineStudyRowId}>
                  {examLabel(e.studyRowId)}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="button"
            data-testid="fu-side-by-side"
            disabled={!ready}
            title="Show the baseline and the follow-up side by side, linked by the registration when there is one"
            onClick={() => showSideBySide(fixedSeriesId!, movingSeriesId!)}
          >
            Side by side
          </button>
        </div>
      </section>

      <section className="fu-section" data-testid="fu-registration" data-registration-id={registration?.id ?? ''} data-method={registration?.method ?? ''}>
        <h3 className="panel-title">Registration</h3>
        {registrationsError && <div className="error">{registrationsError}</div>}
        {summary && registration ? (
          <div className="fu-reg">
            <div>
              <span className="strong" data-testid="fu-reg-method">
                {summary.method}
              </span>
              <span className="dim"> · {registration.createdAt.slice(0, 16).replace('T', ' ')}</span>
            </div>
            <dl className="fu-dl">
              <dt>Rotation</dt>
              <dd data-testid="fu-reg-rotation" data-deg={Number.isFinite(summary.rotationDeg) ? summary.rotationDeg.toFixed(2) : ''}>
                {Number.isFinite(summary.rotationDeg) ? `${summary.rotationDeg.toFixed(1)}°` : '—'}
                {summary.stretchPct >= 0.5 ? <span className="dim"> · stretch {summary.stretchPct.toFixed(1)}%</span> : null}
              </dd>
              <dt>Translation</dt>
              <dd data-testid="fu-reg-translation" title="Where the baseline's LPS origin lands in the follow-up">
                {lpsShiftText(summary.translationMm)} <span className="dim">({summary.translationLengthMm.toFixed(1)} mm)</span>
              </dd>
              {summary.metricText && (
                <>
                  <dt>{registration.method === 'landmarks' ? 'Error' : 'Similarity'}</dt>
                  <dd data-testid="fu-reg-metric">{summary.metricText}</dd>
                </>
              )}
            </dl>
            {summary.warnings.map((w, i) => (
              <div key={i} className="warn-text fu-warning">
                ⚠ {w}
              </div>
            ))}
          </div>
        ) : (
          <div className="dim" data-testid="fu-reg-none">
            Not registered: side by side, the exams are linked by table position.
          </div>
        )}
        <div className="fu-actions">
          <button type="button" className="button primary" data-testid="fu-register" disabled={!ready || busy !== null || landmarks !== null} onClick={register} title="Register the follow-up to the baseline with elastix (takes a few seconds)">
            {busy === 'register' ? 'Registering…' : registration ? 'Register again' : 'Register'}
          </button>
          <select className="fu-transform" aria-label="Transform" value={transform} disabled={busy !== null} onChange={(e) => setTransform(e.target.value as 'affine' | 'rigid')}>
            <option value="affine">affine</option>
            <option value="rigid">rigid</option>
          </select>
          <button
            type="button"
            className={`button${landmarks ? ' active' : ''}`}
            data-testid="fu-landmarks"
            disabled={!ready || busy !== null}
            aria-pressed={landmarks !== null}
            title="Click the same anatomical points in the baseline and the follow-up (3 pairs or more), then solve"
            onClick={() => {
              if (landmarks) followUpActions.setLandmarks(null);
              else {
                followUpActions.startLandmarks(fixedSeriesId!, movingSeriesId!);
                showSideBySide(fixedSeriesId!, movingSeriesId!);
              }
            }}
          >
            Correct with points
          </button>
        </div>
        {progress && (running || progress.state === 'failed') && (
          <div className="fu-progress" data-testid="fu-progress" data-phase={progress.phase} data-state={progress.state}>
            <progress max={1} value={progress.fraction} />
            <span className="dim">{progressText(progress)}</span>
          </div>
        )}
        {landmarks && ready && landmarks.fixedSeriesId === fixedSeriesId && landmarks.movingSeriesId === movingSeriesId && (
          <LandmarkBox session={landmarks} />
        )}
      </section>

      <section className="fu-section">
        <h3 className="panel-title">
          Lesion links
          {lists && (
            <span className="fu-counts" data-testid="fu-counts">
              {lists.matched.length} matched · {lists.queue.length} to review · {lists.newLesions.length} new · {lists.disappeared.length} gone
            </span>
          )}
        </h3>
        <div className="fu-actions">
          <button
            type="button"
            className="button primary"
            data-testid="fu-match"
            disabled={!ready || busy !== null}
            onClick={runMatch}
            title="Match the follow-up's lesion findings to the baseline's (registers first if needed); confident matches are applied, the rest wait for review"
          >
            {busy === 'match' ? 'Matching…' : 'Match lesions'}
          </button>
          {match && (
            <span className="dim" data-testid="fu-match-result" data-links={match.links.length}>
              {match.links.filter((l) => l.auto).length} confirmed automatically
            </span>
          )}
        </div>
        {match?.warnings.map((w, i) => (
          <div key={i} className="warn-text fu-warning">
            ⚠ {w}
          </div>
        ))}
        {error && (
          <div className="error" data-testid="fu-error">
            {error}
          </div>
        )}
        {lists && <LinkLists lists={lists} table={data.table} pair={pair} busy={busy !== null} decide={decide} />}
      </section>
    </div>
  );
}
