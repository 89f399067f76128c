/**
 * The reading area: toolbar, the views and the status bar. One exam: a 2×2 grid (axial,
 * coronal, sagittal, 3D). Two exams: two viewport groups side by side (axial above,
 * coronal and sagittal below), each with its own volume, crosshair and framing, scrolled
 * together through their registration, or by table position without one. It owns the volumes of the open series; the views draw them
 * and the reading tools draw on them.
 */
import { useMemo } from 'react';
import { daysBetweenOrNull } from '../../../../core/dates';
import { useApi } from '../../api';
import { appStore } from '../../app/appStore';
import { useStore } from '../../app/createStore';
import {
  useGroup,
  viewportActions,
  viewportStore,
  type GroupId,
  type ViewKind,
  SliceView,
  VolumeView,
  useVolumeImage,
  type LoadedVolume,
  type SliceTools,
  StatusBar,
} from '../viewer';
import { SegmentationBar, ToolNotice, toolStore, useLesionVolumeLabels, useReadingTools } from '../tools';
import { withProposalOverlay } from '../ai';
import { withLandmarkPicking } from '../followup';
import { ViewerToolbar } from './ViewerToolbar';
import { useLesionFocus } from './useLesionFocus';
import { useHangingRule } from './hangingRule';
import './workspace.css';

function GroupHeader({ group }: { group: GroupId }) {
  const series = useGroup(group, (g) => g.series);
  const otherDate = useStore(viewportStore, (s) => s.groups[group === 'a' ? 'b' : 'a'].series?.study.date ?? null);
  const active = useStore(viewportStore, (s) => s.activeGroup === group);
  const date = series?.study.date ?? null;
  const days = daysBetweenOrNull(otherDate, date);
  // PACS words: the earlier exam is the prior, the later one current (with the interval).
  const role = days === null || days === 0 ? null : days > 0 ? `current · ${days} days after` : 'prior';
  return (
    <div className={`group-header${active ? ' active' : ''}`} data-testid={`group-header-${group}`} data-study-date={date ?? ''}>
      <span className="group-tag">{group.toUpperCase()}</span>
      <span className="strong">{date ?? (series ? 'no study date' : 'loading…')}</span>
      {role && <span className={`group-role${days! > 0 ? ' current' : ''}`}>{role}</span>}
      {series && <span className="dim group-desc">{[series.study.description, series.description].filter(Boolean).join(' · ')}</span>}
      {group === 'b' && (
        <button
          type="button"
          className="icon-button group-close"
          data-testid="compare-close"
          aria-label="Close the compared exam"
          title="Close this exam: back to one exam (with the 3D view)"
          onClick={() => viewportActions.setLayout('single')}
        >
          ×
        </button>
      )}
    </div>
  );
}

function CompareColumn({ group, volume, tools }: { group: GroupId; volume: LoadedVolume | null; tools: SliceTools }) {
  const maximized = useGroup(group, (g) => g.maximizedView);
  const openError = useGroup(group, (g) => g.openError);
  const tool = useStore(toolStore, (s) => s.tool);
  const cell = (view: ViewKind, extra = ''): string =>
    `cell${extra}${maximized === view ? ' maximized' : ''}${maximized && maximized !== view ? ' hidden' : ''}`;
  return (
    <div className="group-column" data-testid={`group-${group}`} onPointerDownCapture={() => viewportActions.setActiveGroup(group)}>
      <GroupHeader group={group} />
      {openError ? (
        <div className="viewer-empty error" data-testid={group === 'a' ? 'open-error' : 'open-error-b'}>
          {openError}
        </div>
      ) : (
        <div className="group-grid">
          <div className={cell('axial', ' cell-axial')}>
            <SliceView kind="axial" group={group} volume={volume} tools={tools} tool={tool} />
          </div>
          <div className={cell('coronal')}>
            <SliceView kind="coronal" group={group} volume={volume} tools={tools} tool={tool} />
          </div>
          <div className={cell('sagittal')}>
            <SliceView kind="sagittal" group={group} volume={volume} tools={tools} tool={tool} />
          </div>
        </div>
      )}
    </div>
  );
}

export function ViewerPanel() {
  const api = useApi();
  const seriesId = useStore(appStore, (s) => s.seriesId);
  const openError = useStore(appStore, (s) => s.openError);
  const layout = useStore(viewportStore, (s) => s.layout);
  const compareSeriesId = useStore(viewportStore, (s) => s.compareSeriesId);
  const maximized = useGroup('a', (g) => g.maximizedView);
  const comparing = layout === 'compare' && seriesId !== null && compareSeriesId !== null;
  const volume = useVolumeImage(api, 'a', seriesId);
  const volumeB = useVolumeImage(api, 'b', comparing ? compareSeriesId : null);
  const { controller, sliceTools: readingTools } = useReadingTools();
  const tool = useStore(toolStore, (s) => s.tool);
  // The lesion masks in the 3D view (single layout only: the compare layout has no 3D view).
  const volumeLabels = useLesionVolumeLabels(seriesId, volume?.geometry ?? null, !comparing);
  // The AI proposals' masks are drawn over the lesion masks, and the follow-up's landmark
  // picking takes clicks while it is on (one composition, kept stable).
  const sliceTools = useMemo(() => withLandmarkPicking(withProposalOverlay(readingTools)), [readingTools]);
  useLesionFocus(api);
  // A follow-up opens beside its prior, the baseline alone (the reader's rule).
  useHangingRule();

  const cell = (view: ViewKind): string => `cell${maximized === view ? ' maximized' : ''}${maximized && maximized !== view ? ' hidden' : ''}`;

  return (
    <main className="viewer" data-testid="viewer" data-series-id={seriesId ?? undefined} data-layout={comparing ? 'compare' : 'single'}>
      <ViewerToolbar controller={controller} />
      <SegmentationBar controller={controller} />
      <ToolNotice />
      <div className={`grid${comparing ? ' compare' : ''}`}>
        {seriesId === null ? (
          <div className="viewer-empty">
            <div className="strong">No series open</div>
            <div className="dim">Choose a series in the library on the left, or drop DICOM files anywhere to import them.</div>
          </div>
        ) : openError ? (
          <div className="viewer-empty error" data-testid="open-error">
            {openError}
          </div>
        ) : comparing ? (
          <>
            <CompareColumn group="a" volume={volume} tools={sliceTools} />
            <CompareColumn group="b" volume={volumeB} tools={sliceTools} />
          </>
        ) : (
          <>
            <div className={cell('axial')}>
              <SliceView kind="axial" volume={volume} tools={sliceTools} tool={tool} />
            </div>
            <div className={cell('coronal')}>
              <SliceView kind="coronal" volume={volume} tools={sliceTools} tool={tool} />
            </div>
            <div className={cell('sagittal')}>
              <SliceView kind="sagittal" volume={volume} tools={sliceTools} tool={tool} />
            </div>
            <div className={cell('3d')}>
              <VolumeView volume={volume} labels={volumeLabels} />
            </div>
          </>
        )}
      </div>
      <StatusBar />
    </main>
  );
}
