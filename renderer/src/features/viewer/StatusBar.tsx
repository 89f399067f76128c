import { useStore } from '../../app/createStore';
import { useGroup, viewportStore, type GroupId } from './model/viewportStore';
import { VIEW_LABELS } from './vtk/SliceOverlay';

const mm = (v: number): string => v.toFixed(1);

function VolumeProgress({ group }: { group: GroupId }) {
  const load = useGroup(group, (g) => g.load);
  const percent = load.sliceCount ? Math.round((100 * load.slicesLoaded) / load.sliceCount) : 0;
  return (
    <div
      className="volume-progress"
      data-testid={group === 'a' ? 'volume-progress' : 'volume-progress-b'}
      data-complete={load.complete ? 'true' : 'false'}
      data-slices-loaded={load.slicesLoaded}
      data-slice-count={load.sliceCount}
    >
      {load.error ? (
        <span className="error-text">{load.error}</span>
      ) : load.sliceCount > 0 ? (
        <>
          {group === 'b' && <span className="dim">B</span>}
          <span>{load.complete ? `${load.sliceCount} slices loaded` : `Loading ${load.slicesLoaded}/${load.sliceCount} slices`}</span>
          <progress max={load.sliceCount} value={load.slicesLoaded} aria-label="Volume load progress" />
          <span className="dim">{percent}%</span>
        </>
      ) : null}
    </div>
  );
}

export function StatusBar() {
  const readout = useStore(viewportStore, (s) => s.readout);
  const comparing = useStore(viewportStore, (s) => s.layout === 'compare' && s.groups.b.seriesId !== null);

  return (
    <div className="statusbar">
      <div
        className="readout"
        data-testid="cursor-readout"
        data-hu={readout?.hu ?? ''}
        data-lps={readout ? readout.lpsMm.map((v) => v.toFixed(2)).join(',') : ''}
        data-voxel={readout?.voxel ? readout.voxel.join(',') : ''}
        data-group={readout?.group ?? ''}
      >
        {readout ? (
          <>
            <span className="readout-view">
              {comparing && readout.group ? `${readout.group.toUpperCase()} ` : ''}
              {VIEW_LABELS[readout.view]}
            </span>
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
      <div className="progress-group">
        <VolumeProgress group="a" />
        {comparing && <VolumeProgress group="b" />}
      </div>
    </div>
  );
}
