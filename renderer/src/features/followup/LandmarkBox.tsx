/**
 * The landmark correction in the follow-up panel: what to click next, the pairs so far
 * (each removable), and solve — rigid from 3 pairs, affine from 4 — through the API's
 * least-squares fit. The residual error per point comes back with the result.
 */
import { useState } from 'react';
import type { RegistrationInfo, Vec3 } from '../../../../core/api/types';
import { useApi } from '../../api';
import { followUpActions } from './followUpStore';
import { allowedKinds, completePairs, MIN_PAIRS, nextSide, removePair, type LandmarkSession } from './landmarkPairs';
import { describeError } from './followUpText';

const mm = (p: Vec3 | null): string => (p ? p.map((v) => v.toFixed(0)).join(', ') : '—');

/** `onSolved` is for the caller's own UI: the registrations reload on onFollowUpChanged. */
export function LandmarkBox({ session, onSolved }: { session: LandmarkSession; onSolved?(reg: RegistrationInfo): void }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const pairs = completePairs(session);
  const kinds = allowedKinds(pairs.length);
  const next = nextSide(session);
  const last = session.pairs.at(-1);
  const open = last !== undefined && (last.fixedMm === null || last.movingMm === null);

  const solve = async (kind: 'rigid' | 'affine') => {
    setBusy(true);
    setError(null);
    try {
      const reg = await api.setLandmarkRegistration({ fixedSeriesId: session.fixedSeriesId, movingSeriesId: session.movingSeriesId, pairs, kind });
      followUpActions.setLandmarks(null);
      onSolved?.(reg);
    } catch (e) {
      setError(`The points could not be fitted: ${describeError(e)}. Move a point, or add pairs that are not on one line.`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="fu-landmarks" data-testid="fu-landmark-box" data-pairs={pairs.length} data-next={next}>
      <div className="fu-landmark-hint" data-testid="fu-landmark-hint">
        {open ? (
          <>
            Now click the same landmark in the <span className="strong">{next === 'fixed' ? 'baseline' : 'follow-up'}</span> (pair {session.pairs.length}).
          </>
        ) : (
          <>
            Click a landmark in the <span className="strong">baseline</span> — a bone edge, a vessel branch, an organ tip — then the same one in the follow-up
            (it is shown where the current link puts it).
          </>
        )}{' '}
        <span className="dim">
          {pairs.length} of at least {MIN_PAIRS} pairs.
        </span>
      </div>
      {session.pairs.length > 0 && (
        <table className="fu-landmark-table">
          <thead>
            <tr>
              <th>#</th>
              <th>Baseline (LPS mm)</th>
              <th>Follow-up (LPS mm)</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {session.pairs.map((p, i) => (
              <tr key={i} data-testid="fu-landmark-pair">
                <td>{i + 1}</td>
                <td>{mm(p.fixedMm)}</td>
                <td>{mm(p.movingMm)}</td>
                <td>
                  <button type="button" className="icon-button" title="Remove this pair" aria-label={`Remove pair ${i + 1}`} onClick={() => followUpActions.setLandmarks(removePair(session, i))}>
                    ×
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="fu-actions">
        <button type="button" className="button primary" data-testid="fu-solve-rigid" disabled={busy || !kinds.includes('rigid')} onClick={() => solve('rigid')} title="Rotation and translation that best fit the pairs">
          Solve rigid
        </button>
        <button type="button" className="button" data-testid="fu-solve-affine" disabled={busy || !kinds.includes('affine')} onClick={() => solve('affine')} title="Also scaling and shear (4 pairs or more)">
          Solve affine
        </button>
        <button type="button" className="button" data-testid="fu-landmarks-cancel" disabled={busy} onClick={() => followUpActions.setLandmarks(null)}>
          Cancel
        </button>
      </div>
      {error && <div className="error">{error}</div>}
    </div>
  );
}
