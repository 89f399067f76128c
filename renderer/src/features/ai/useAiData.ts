/**
 * What the AI panel shows for the open series: the models, the series' runs with live
 * progress (onAiProgress, as the import panel follows onImportProgress), and the proposals.
 * Runs and proposals reload on the workstation's onAiChanged for the series (aiStore.revision,
 * moved by renderer/src/useChangeFeeds.ts: a run queued or ended, a proposal decided — here or
 * in another client), and when the reader switches series.
 */
import { useCallback, useEffect, useState } from 'react';
import type { AiProgressEvent, AiProposal, AiRun, ModelInfo } from '../../../../core/api/types';
import { useApi } from '../../api';
import { aiStore } from './aiStore';
import { useStore } from '../../app/createStore';

export function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface ModelsState {
  models: ModelInfo[] | null;
  error: string | null;
  reload(): void;
}

export function useModels(): ModelsState {
  const api = useApi();
  const [nonce, setNonce] = useState(0);
  const [state, setState] = useState<{ models: ModelInfo[] | null; error: string | null }>({ models: null, error: null });
  useEffect(() => {
    let cancelled = false;
    api.listModels().then(
      (models) => !cancelled && setState({ models, error: null }),
      (e: unknown) => !cancelled && setState((s) => ({ ...s, error: `Could not list the models: ${describeError(e)}` })),
    );
    return () => {
      cancelled = true;
    };
  }, [api, nonce]);
  return { ...state, reload: useCallback(() => setNonce((n) => n + 1), []) };
}

export interface SeriesAiState {
  runs: AiRun[];
  proposals: AiProposal[];
  /** Latest progress event per run id (newer than what the run rows say). */
  live: Record<number, AiProgressEvent>;
  loading: boolean;
  error: string | null;
}

export function useSeriesAi(seriesId: number | null): SeriesAiState {
  const api = useApi();
  const revision = useStore(aiStore, (s) => s.revision);
  const [state, setState] = useState<{ for: number | null } & SeriesAiState>({ for: null, runs: [], proposals: [], live: {}, loading: false, error: null });

  useEffect(() => {
    if (seriesId === null) {
      setState({ for: null, runs: [], proposals: [], live: {}, loading: false, error: null });
      return;
    }
    let cancelled = false;
    setState((s) => ({ ...s, loading: true }));
    Promise.all([api.listModelRuns(seriesId), api.listProposals({ seriesId })]).then(
      ([runs, proposals]) => !cancelled && setState((s) => ({ for: seriesId, runs, proposals, live: s.for === seriesId ? s.live : {}, loading: false, error: null })),
      (e: unknown) => !cancelled && setState((s) => ({ ...s, loading: false, error: `Could not load the model runs of this series: ${describeError(e)}` })),
    );
    return () => {
      cancelled = true;
    };
  }, [api, seriesId, revision]);

  useEffect(
    () =>
      api.on('onAiProgress', (e) => {
        if (e.seriesId !== seriesId) return;
        // Live progress only; the run's end (its proposals, its provenance) comes as onAiChanged.
        setState((s) => ({ ...s, live: { ...s.live, [e.runId]: e } }));
      }),
    [api, seriesId],
  );

  // Never show one series' runs under another.
  if (state.for !== seriesId) return { runs: [], proposals: [], live: {}, loading: state.loading, error: state.error };
  return state;
}
