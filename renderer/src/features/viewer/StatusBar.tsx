import { appStore } from '../../store/appStore';
import { useStore } from '../../store/createStore';
import { VIEW_LABELS } from '../../viewer';

const mm = (v: number): string => v.toFixed(1);

export function StatusBar() {
  const readout = useStore(appStore, (s) => s.readout);
  const load = useStore(appStore, (s) => s.load);
  const percent = load.sliceCount ? Math.round((100 * load.slicesLoaded) / load.sliceCount) : 0;

  return (
    <div className="statusbar">
      <div
        className="readout"
        data-testid="cursor-readout"
        data-hu={readout?.hu ?? ''}
        data-lps={readout ? readout.lpsMm.map((v) => v.toFixed(2)).join(',') : ''}
        data-voxel={readout?.voxel ? readout.voxel.join(',') : ''}
      >
        {readout ? (
          <>
            <span className="readout-view">{VIEW_LABELS[readout.view]}</span>
            <span className="readout-hu">{readout.hu === null ? 'HU —' : `${readout.hu} HU`}</span>
            <span>
              LPS ({mm(readout.lpsMm[0])}, {mm(readout.lpsMm[1])}, {mm(readout.lpsMm[2])}) mm
            </span>
            {readout.voxel && <span className="dim">[{readout.voxel.join(', ')}]</span>}
          </>
        ) : (
          <span className="dim">Move the mouse over an image for HU and position</span>
        )}
      </div>
      <div
        className="volume-progress"
        data-testid="volume-progress"
        data-complete={load.complete ? 'true' : 'false'}
        data-slices-loaded={load.slicesLoaded}
        data-slice-count={load.sliceCount}
      >
        {load.error ? (
          <span className="error-text">{load.error}</span>
        ) : load.sliceCount > 0 ? (
          <>
            <span>{load.complete ? `${load.sliceCount} slices loaded` : `Loading ${load.slicesLoaded}/${load.sliceCount} slices`}</span>
            <progress max={load.sliceCount} value={load.slicesLoaded} aria-label="Volume load progress" />
            <span className="dim">{percent}%</span>
          </>
        ) : null}
      </div>
    </div>
  );
}
