/**
 * Picking corresponding points on the slice views. While a landmark session is open, a left
 * click in the baseline or the follow-up exam places that exam's half of the open pair
 * (instead of moving the crosshair), and every view draws the points of its exam, numbered
 * by pair, on the slices they lie on. The first half of a pair also moves that exam's
 * crosshair with "follow", so the other exam shows where the current link puts the point.
 */
import type { PointerEvent } from 'react';
import { useStore } from '../../app/createStore';
import { viewportActions, type CanvasPx, type SliceTools, type SliceViewState, canvasToWorld, worldToCanvas } from '../viewer';
import { dot, sub } from '../../../../core/dicom/geometry';
import { followUpActions, followUpStore } from './followUpStore';
import { nextSide, placePoint, sideOf } from './landmarkPairs';

/** Points within this many slices of the plane are drawn (faded off their own slice). */
const NEAR_SLICES = 2;

function LandmarkMarks({ view }: { view: SliceViewState }) {
  const session = useStore(followUpStore, (s) => s.landmarks);
  if (!session) return null;
  const side = sideOf(session, view.seriesId);
  if (!side) return null;
  const [w, h] = view.camera.viewportPx;
  const expected = nextSide(session) === side;
  const marks = session.pairs
    .map((p, i) => ({ index: i, lps: side === 'fixed' ? p.fixedMm : p.movingMm, complete: p.fixedMm !== null && p.movingMm !== null }))
    .filter((m) => m.lps !== null)
    .map((m) => {
      const offSlices = Math.abs(dot(sub(m.lps!, view.slicePlaneLps), view.camera.frame.dop)) / Math.max(view.sliceSpacingMm, 1e-6);
      return { ...m, offSlices, px: worldToCanvas(view.camera, m.lps!) };
    })
    .filter((m) => m.offSlices <= NEAR_SLICES);
  return (
    <div className="tool-layer">
      <svg width={w} height={h} className="landmark-svg" data-testid={`landmarks-${view.kind}${view.group === 'b' ? '-b' : ''}`} data-side={side} data-expected={expected}>
        {expected && <rect className="landmark-frame" x={1} y={1} width={Math.max(0, w - 2)} height={Math.max(0, h - 2)} />}
        {marks.map((m) => (
          <g
            key={m.index}
            className={`landmark-mark${m.complete ? '' : ' open'}${m.offSlices > 0.5 ? ' off-slice' : ''}`}
            data-testid="landmark-mark"
            data-pair={m.index + 1}
            transform={`translate(${m.px[0].toFixed(1)},${m.px[1].toFixed(1)})`}
          >
            <circle className="landmark-halo" r={6} />
            <circle className="landmark-dot" r={6} />
            <line className="landmark-dot" x1={-10} y1={0} x2={-7} y2={0} />
            <line className="landmark-dot" x1={7} y1={0} x2={10} y2={0} />
            <line className="landmark-dot" x1={0} y1={-10} x2={0} y2={-7} />
            <line className="landmark-dot" x1={0} y1={7} x2={0} y2={10} />
            <text className="landmark-text" x={9} y={-9}>
              {m.index + 1}
            </text>
          </g>
        ))}
      </svg>
    </div>
  );
}

/** The viewer's slice tools with landmark picking on top (composed once by the viewer). */
export function withLandmarkPicking(tools: SliceTools): SliceTools {
  const InnerOverlay = tools.Overlay;
  // The pointer whose press placed a landmark: its moves and release are not the tools'.
  let taken: number | null = null;
  const Overlay = ({ view }: { view: SliceViewState }) => (
    <>
      <InnerOverlay view={view} />
      <LandmarkMarks view={view} />
    </>
  );
  const picking = (view: SliceViewState): boolean => {
    const session = followUpStore.getState().landmarks;
    return session !== null && sideOf(session, view.seriesId) !== null;
  };
  return {
    ...tools,
    Overlay,
    pointerDown(view: SliceViewState, px: CanvasPx, event: PointerEvent<HTMLElement>): boolean {
      const session = followUpStore.getState().landmarks;
      if (!session || !picking(view)) return tools.pointerDown(view, px, event);
      const lps = canvasToWorld(view.camera, px, view.slicePlaneLps);
      const placed = placePoint(session, view.seriesId, lps);
      if (!placed) return tools.pointerDown(view, px, event);
      taken = event.pointerId;
      followUpActions.setLandmarks(placed.session);
      const pair = placed.session.pairs[placed.pairIndex];
      const firstHalf = pair.fixedMm === null || pair.movingMm === null;
      viewportActions.setCursor(view.group, lps, firstHalf);
      return true;
    },
    pointerMove(view, px, event) {
      if (taken === event.pointerId) return;
      tools.pointerMove(view, px, event);
    },
    pointerUp(view, px, event) {
      if (taken === event.pointerId) {
        taken = null;
        return;
      }
      tools.pointerUp(view, px, event);
    },
    hover(view, px) {
      if (px && picking(view)) return 'crosshair';
      return tools.hover(view, px);
    },
  };
}
