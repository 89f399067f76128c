/**
 * The patient's lesion table (lesions × exams, RECIST, volumetry), reloaded whenever the
 * selection store's revision moves: on the workstation's onLesionsChanged,
 * onSegmentationsChanged and onFollowUpChanged for this patient (renderer/src/useChangeFeeds.ts).
 */
import { useCallback, useEffect, useState } from 'react';
import type { LesionTable } from '../../../../core/api/types';
import { useApi } from '../../api';
import { useStore } from '../../app/createStore';
import { lesionSelection } from './lesionStore';

export interface LesionTableState {
  patientRowId: number | null;
  data: LesionTable | null;
  loading: boolean;
  error: string | null;
  /** Reload now, at the reader's request (changes arrive by themselves through the change events). */
  refresh(): void;
}

export function useLesionTable(): LesionTableState {
  const api = useApi();
  const patientRowId = useStore(lesionSelection, (s) => s.patientRowId);
  const revision = useStore(lesionSelection, (s) => s.revision);
  const [nonce, setNonce] = useState(0);
  const [state, setState] = useState<{ for: number | null; data: LesionTable | null; loading: boolean; error: string | null }>({ for: null, data: null, loading: false, error: null });
  const refresh = useCallback(() => setNonce((n) => n + 1), []);

  useEffect(() => {
    if (patientRowId === null) {
      setState({ for: null, data: null, loading: false, error: null });
      return;
    }
    let cancelled = false;
    setState((s) => ({ ...s, loading: true }));
    api.getLesionTable(patientRowId).then(
      (data) => !cancelled && setState({ for: patientRowId, data, loading: false, error: null }),
      (e: unknown) =>
        !cancelled &&
        setState((s) => ({ ...s, loading: false, error: `Could not load the lesion table of this patient: ${e instanceof Error ? e.message : String(e)}` })),
    );
    return () => {
      cancelled = true;
    };
  }, [api, patientRowId, revision, nonce]);

  // Never show one patient's table under another's name while the new one loads.
  const data = state.for === patientRowId ? state.data : null;
  return { patientRowId, data, loading: state.loading, error: state.error, refresh };
}
