/**
 * The AI panel of the follow-up dock: choose a model, run it on the open series (it runs
 * in its own process; progress comes by phase and sliding window), cancel it, read what
 * ran (model, version, weights hash, execution provider, times), and decide on its
 * proposals. Accepted proposals become lesions (or the liver mask) that the lesion panel,
 * the table and the viewer's tools show at once.
 */
import { useEffect, useMemo, useState } from 'react';
import type { AiProposal, AiRun } from '../../../../core/api/types';
import { useApi } from '../../api';
import { aiActions, aiStore } from './aiStore';
import { appStore } from '../../app/appStore';
import { useStore } from '../../app/createStore';
import { selectLesion } from '../lesions';
import { toolActions, toolStore } from '../tools';
import { viewportActions, viewportStore } from '../viewer';
import {
  dateTimeText,
  durationText,
  isRunActive,
  modelKey,
  progressText,
  proposalCounts,
  proposalTitle,
  runFraction,
  shortHash,
  sortProposals,
  type RunProgress,
} from './aiText';
import { InvalidModels, ModelCard, ModelPicker } from './ModelPicker';
import { ProposalList } from './ProposalList';
import { loadProposalMasks, pruneProposalMasks } from './proposalMasks';
import { describeError, useModels, useSeriesAi } from './useAiData';

/** A run's progress: the latest event when there is one, else what the run row says. */
function progressOf(run: AiRun, live: { status: AiRun['status']; phase: string; done: number; total: number } | undefined): RunProgress {
  if (live) return live;
  if (run.progress) return { status: run.status, ...run.progress };
  return { status: run.status, phase: run.status === 'done' ? 'done' : 'loading', done: 0, total: 1 };
}

function RunView({ run, progress, error, onCancel, cancelling }: { run: AiRun; progress: RunProgress; error: string | null; onCancel(): void; cancelling: boolean }) {
  const active = isRunActive(progress.status);
  const fraction = runFraction(progress);
  return (
    <div className={`ai-run status-${progress.status}`} data-testid="ai-run" data-run-id={run.id} data-status={progress.status}>
      <div className="ai-run-head">
        <span className="strong">Run {run.id}</span>
        <span className="dim">
          {run.modelId} {run.modelVersion} · {dateTimeText(run.startedAt)}
        </span>
        <span className={`ai-status ai-status-${progress.status}`}>{progress.status}</span>
      </div>
      {active && (
        <div className="ai-progress-row">
          <progress
            className="ai-progress"
            data-testid="ai-progress"
            data-phase={progress.phase}
            data-done={progress.done}
            data-total={progress.total}
            data-fraction={fraction.toFixed(3)}
            max={1}
            value={fraction}
          />
          <button type="button" className="button danger" data-testid="ai-cancel" disabled={cancelling} onClick={onCancel} title="Stop the run; nothing it found so far is kept">
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        </div>
      )}
      {active && (
        <div className="ai-progress-text" data-testid="ai-progress-text">
          {progressText(progress)}
        </div>
      )}
      {progress.status === 'failed' && (
        <div className="error ai-run-error" data-testid="ai-run-error">
          The run of {run.modelId} {run.modelVersion} failed: {error ?? 'no reason was given'}. Nothing was saved; the series is unchanged. Check the model on the model page, or try again.
        </div>
      )}
      {progress.status === 'cancelled' && <div className="dim">Cancelled; nothing was saved.</div>}
      {run.status === 'done' && (
        <dl className="ai-dl ai-provenance" data-testid="ai-provenance">
          <dt>Model</dt>
          <dd data-testid="ai-provenance-model">
            {run.modelId} {run.modelVersion}
          </dd>
          <dt>Weights</dt>
          <dd title={run.modelSha256} data-testid="ai-provenance-hash">
            sha256 {shortHash(run.modelSha256)}
          </dd>
          <dt>Provider</dt>
          <dd data-testid="ai-provenance-provider">{run.provider ?? '—'}</dd>
          <dt>Time</dt>
          <dd data-testid="ai-provenance-time">
            {durationText(run.durationMs)} in all · {durationText(run.sessionRunMs)} in session.run
            {run.windows !== null ? ` · ${run.windows} windows` : ''}
          </dd>
          <dt>Found</dt>
          <dd>
            {run.proposalCount} proposal{run.proposalCount === 1 ? '' : 's'}
          </dd>
        </dl>
      )}
    </div>
  );
}

export function AiPanel() {
  const api = useApi();
  const seriesId = useStore(appStore, (s) => s.seriesId);
  const lesionLabels = useStore(toolStore, (s) => s.lesionLabels);
  const { models, error: modelsError, reload } = useModels();
  const { runs, proposals, live, error: seriesError } = useSeriesAi(seriesId);
  const [chosen, setChosen] = useState('');
  const [shownRunId, setShownRunId] = useState<number | null>(null);
  const [starting, setStarting] = useState(false);
  const [cancelling, setCancelling] = useState<number | null>(null);
  const [busyProposal, setBusyProposal] = useState<number | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  // Preselect the first valid model (the shipped one when it is there).
  const valid = useMemo(() => (models ?? []).filter((m) => m.valid), [models]);
  const model = valid.find((m) => modelKey(m) === chosen) ?? null;
  useEffect(() => {
    if (!model && valid.length) setChosen(modelKey([...valid].sort((a, b) => Number(b.source === 'app') - Number(a.source === 'app'))[0]));
  }, [model, valid]);

  const latest = runs[0] ?? null;
  const latestProgress = latest ? progressOf(latest, live[latest.id]) : null;
  const running = latestProgress !== null && isRunActive(latestProgress.status);
  const doneRuns = runs.filter((r) => r.status === 'done');
  const shownRun = doneRuns.find((r) => r.id === shownRunId) ?? doneRuns[0] ?? null;
  const shown = useMemo(() => sortProposals(proposals.filter((p) => p.runId === shownRun?.id)), [proposals, shownRun?.id]);

  // The undecided proposals of the run on screen are outlined on the slices.
  useEffect(() => {
    if (seriesId === null) return;
    const overlays = shown.filter((p) => p.status === 'proposed').map((p) => ({ proposalId: p.id, seriesId: p.seriesId }));
    aiActions.setOverlays(overlays);
    loadProposalMasks(api, overlays);
  }, [api, seriesId, shown]);
  useEffect(() => {
    if (seriesId !== null) pruneProposalMasks([seriesId]);
  }, [seriesId]);
  // The proposals are outlined while the panel is open: leaving it leaves the images clean.
  useEffect(
    () => () => {
      aiActions.setOverlays([]);
      aiActions.selectProposal(null);
    },
    [],
  );

  if (seriesId === null) {
    return (
      <div className="ai-panel" data-testid="ai-panel">
        <div className="empty">Open a series to run a model on it.</div>
      </div>
    );
  }

  const run = async () => {
    if (!model) return;
    setStarting(true);
    setActionError(null);
    setNotice(null);
    try {
      await api.runModel({ seriesId, modelId: model.id, modelVersion: model.version });
      setShownRunId(null);
      aiActions.selectProposal(null);
    } catch (e) {
      setActionError(`Could not start ${model.id} ${model.version} on this series: ${describeError(e)}`);
    } finally {
      setStarting(false);
    }
  };

  const cancel = async (runId: number) => {
    setCancelling(runId);
    try {
      await api.cancelModelRun(runId);
    } catch (e) {
      setActionError(`Could not cancel run ${runId}: ${describeError(e)}`);
    } finally {
      setCancelling(null);
    }
  };

  const select = (p: AiProposal) => {
    aiActions.selectProposal(p.id);
    const g = viewportStore.getState().groups.a;
    if (g.seriesId === p.seriesId) viewportActions.centreOn('a', p.centroidLps);
  };

  /** Accept, reject, or accept and hand the new mask to the segmentation tools (edit). */
  const decide = async (p: AiProposal, decision: 'accept' | 'edit' | 'reject') => {
    setBusyProposal(p.id);
    setActionError(null);
    setNotice(null);
    try {
      if (decision === 'reject') {
        await api.rejectProposal(p.id);
        if (p.id === aiStore.getState().selectedProposalId) aiActions.selectProposal(null);
      } else {
        const result = await api.acceptProposal(p.id);
        aiActions.selectProposal(null);
        // The lesion panel, the table and the mask overlays reload on onLesionsChanged / onSegmentationsChanged.
        if (result.lesion) selectLesion(result.lesion.id);
        const what = result.lesion ? result.lesion.label : 'the liver mask';
        if (decision === 'edit') {
          // The tools must edit this mask, not start an empty one while their list refetches.
          const known = toolStore.getState().segmentationsBySeries[p.seriesId] ?? [];
          toolActions.setSegmentations(p.seriesId, [...known.filter((s) => s.id !== result.segmentation.id), result.segmentation]);
          toolActions.setSegmentTarget(p.kind === 'organ' ? 'liver' : 'lesion');
          toolActions.setTool('brush');
          viewportActions.centreOn('a', p.centroidLps);
          setNotice(`${proposalTitle(p)} accepted as ${what}: correct its mask with the brush and eraser, then Save. The model's own mask is kept, and the agreement is logged.`);
        } else {
          setNotice(`${proposalTitle(p)} accepted as ${what}.`);
        }
      }
    } catch (e) {
      setActionError(`Could not ${decision === 'reject' ? 'reject' : 'accept'} the proposal ${proposalTitle(p)}: ${describeError(e)}`);
    } finally {
      setBusyProposal(null);
    }
  };

  const counts = proposalCounts(shown);
  return (
    <div className="ai-panel" data-testid="ai-panel" data-series-id={seriesId}>
      <section className="ai-section">
        <div className="ai-row">
          <ModelPicker models={models ?? []} value={model ? chosen : ''} onChange={setChosen} disabled={!models} />
          <button type="button" className="icon-button" title="Look for models again (resources/models and your models folder)" data-testid="ai-models-reload" onClick={reload}>
            ↻
          </button>
          <button type="button" className="button" data-testid="ai-open-model-page" onClick={() => aiActions.showPage('models')} title="Validation on a cohort and agreement over time">
            Model page
          </button>
        </div>
        {modelsError && <div className="error">{modelsError}</div>}
        {models && valid.length === 0 && (
          <div className="warn-text" data-testid="ai-no-models">
            No usable model. Put a model folder (model.onnx + model.json) in resources/models or add one, then press ↻.
          </div>
        )}
        {models && <InvalidModels models={models} />}
        {model && <ModelCard model={model} expanded={!latest} />}
        <div className="ai-row">
          <button type="button" className="button primary" data-testid="ai-run-button" disabled={!model || starting || running} onClick={run} title={running ? 'A run on this series is under way' : 'Run the model on the open series'}>
            {starting ? 'Starting…' : 'Run on this series'}
          </button>
          {running && <span className="dim">one run at a time per series</span>}
        </div>
        {actionError && (
          <div className="error" data-testid="ai-error">
            {actionError}
          </div>
        )}
        {seriesError && <div className="error">{seriesError}</div>}
      </section>

      {latest && latestProgress && (
        <section className="ai-section">
          <RunView run={latest} progress={latestProgress} error={live[latest.id]?.error ?? latest.error} cancelling={cancelling === latest.id} onCancel={() => cancel(latest.id)} />
        </section>
      )}

      {shownRun && (
        <section className="ai-section" data-testid="ai-proposal-section" data-run-id={shownRun.id}>
          <div className="ai-row ai-proposals-head">
            <span className="panel-title">Proposals</span>
            <span className="dim" data-testid="ai-proposal-counts">
              {counts.proposed} to decide · {counts.accepted} accepted · {counts.rejected} rejected
            </span>
            {doneRuns.length > 1 && (
              <select className="ai-select small" data-testid="ai-run-select" value={shownRun.id} onChange={(e) => setShownRunId(Number(e.target.value))} title="Proposals of an earlier run">
                {doneRuns.map((r) => (
                  <option key={r.id} value={r.id}>
                    run {r.id} · {r.modelId} {r.modelVersion} · {dateTimeText(r.startedAt)}
                  </option>
                ))}
              </select>
            )}
          </div>
          {notice && (
            <div className="ai-notice" data-testid="ai-notice">
              {notice}
            </div>
          )}
          <ProposalList
            proposals={shown}
            lesionLabels={lesionLabels}
            busyId={busyProposal}
            actions={{ select, accept: (p) => decide(p, 'accept'), edit: (p) => decide(p, 'edit'), reject: (p) => decide(p, 'reject') }}
          />
        </section>
      )}
      {!latest && <div className="empty">No model has run on this series yet.</div>}
    </div>
  );
}
