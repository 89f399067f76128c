/**
 * Viewer state per viewport group: each group shows one series in its own MPR views,
 * with its own crosshair, framing, window and load progress. Group "a" is the exam
 * opened from the library (the single layout shows only it); group "b" is the exam it is
 * compared with. Also the 3D preset and the readout under the mouse. Plain serializable
 * data with units in the names — no vtk objects.
 */
import type { SeriesDetail, Vec3, VolumeGeometry } from '../../../../../core/api/types';
import { TABLE_POSITION, panToCentre, syncedCursor, type ExamTransform } from './groupSync';
import { DEFAULT_WINDOW, type VolumePreset, type WindowPreset } from './presets';
import {
  IDENTITY_VIEW_TRANSFORM,
  SLICE_VIEWS,
  clampToVolume,
  initialCursorLps,
  type SliceViewKind,
  type ViewTransform,
} from './viewGeometry';
import { actions as appActions, appStore } from '../../../app/appStore';
import { createStore, useStore } from '../../../app/createStore';

export type GroupId = 'a' | 'b';
export const GROUP_IDS: readonly GroupId[] = ['a', 'b'];
export type ViewKind = SliceViewKind | '3d';
export type Layout = 'single' | 'compare';

export interface VolumeLoadState {
  slicesLoaded: number;
  sliceCount: number;
  complete: boolean;
  error: string | null;
  /** Bumped whenever voxel data changed, so views know to re-render. */
  revision: number;
}

/** What is under the mouse in a slice view (the status bar's readout). */
export interface CursorReadout {
  view: SliceViewKind;
  /** The viewport group the mouse is over ('a' unless comparing exams). */
  group?: GroupId;
  lpsMm: Vec3;
  /** Voxel index [i, j, k], null outside the volume. */
  voxel: Vec3 | null;
  /** null outside the volume or while that slice has not arrived yet. */
  hu: number | null;
}

export interface HuWindow {
  widthHu: number;
  centerHu: number;
}

export interface ViewportGroup {
  seriesId: number | null;
  series: SeriesDetail | null;
  geometry: VolumeGeometry | null;
  openError: string | null;
  /** The group's linked crosshair: one point in patient LPS millimetres shared by its views. */
  cursorLps: Vec3 | null;
  window: HuWindow;
  windowPresetId: WindowPreset['id'] | null;
  viewTransforms: Record<SliceViewKind, ViewTransform>;
  /** Viewport sizes in CSS pixels, as last laid out. */
  viewportsPx: Record<ViewKind, [number, number]>;
  maximizedView: ViewKind | null;
  load: VolumeLoadState;
}

export interface ViewportState {
  layout: Layout;
  /** The group the reader last worked in (toolbar readouts follow it). */
  activeGroup: GroupId;
  groups: Record<GroupId, ViewportGroup>;
  /** The series group b shows in the compare layout (another exam of the patient). */
  compareSeriesId: number | null;
  /** Scrolling one group moves the other to the same position (see groupSync). */
  syncScroll: boolean;
  examTransform: ExamTransform;
  /** The 3D view's rendering preset (all groups). */
  volumePresetId: VolumePreset['id'];
  /** The 3D view draws the lesion masks as coloured surfaces. */
  volumeLabelsVisible: boolean;
  /**
   * The series just opened from the library whose layout the hanging rule is still to decide
   * (beside its prior, or alone); null once decided, or once the reader chose a layout.
   */
  layoutByRule: number | null;
  readout: CursorReadout | null;
}

export const EMPTY_LOAD: VolumeLoadState = { slicesLoaded: 0, sliceCount: 0, complete: false, error: null, revision: 0 };

const initialTransforms = (): Record<SliceViewKind, ViewTransform> => ({
  axial: IDENTITY_VIEW_TRANSFORM,
  coronal: IDENTITY_VIEW_TRANSFORM,
  sagittal: IDENTITY_VIEW_TRANSFORM,
});

function emptyGroup(): ViewportGroup {
  return {
    seriesId: null,
    series: null,
    geometry: null,
    openError: null,
    cursorLps: null,
    window: { widthHu: DEFAULT_WINDOW.widthHu, centerHu: DEFAULT_WINDOW.centerHu },
    windowPresetId: DEFAULT_WINDOW.id,
    viewTransforms: initialTransforms(),
    viewportsPx: { axial: [0, 0], coronal: [0, 0], sagittal: [0, 0], '3d': [0, 0] },
    maximizedView: null,
    load: EMPTY_LOAD,
  };
}

export const viewportStore = createStore<ViewportState>({
  layout: 'single',
  activeGroup: 'a',
  groups: { a: emptyGroup(), b: emptyGroup() },
  compareSeriesId: null,
  syncScroll: true,
  examTransform: TABLE_POSITION,
  volumePresetId: 'softTissue',
  volumeLabelsVisible: true,
  layoutByRule: null,
  readout: null,
});

export const otherGroup = (group: GroupId): GroupId => (group === 'a' ? 'b' : 'a');

/** Whether a group is on screen in the current layout. */
export function isGroupShown(state: ViewportState, group: GroupId): boolean {
  return group === 'a' || state.layout === 'compare';
}

/** Subscribe a component to a slice of one group's state. */
export function useGroup<S>(group: GroupId, selector: (g: ViewportGroup) => S): S {
  return useStore(viewportStore, (s) => selector(s.groups[group]));
}

function patchGroup(group: GroupId, patch: Partial<ViewportGroup> | ((g: ViewportGroup) => Partial<ViewportGroup>)): void {
  viewportStore.setState((s) => {
    const current = s.groups[group];
    const p = typeof patch === 'function' ? patch(current) : patch;
    return { groups: { ...s.groups, [group]: { ...current, ...p } } };
  });
}

/** Where the other group's cursor goes when `group`'s moves to `lps`, or null when it does not follow. */
function followerCursor(state: ViewportState, group: GroupId, lps: Vec3): Vec3 | null {
  if (state.layout !== 'compare' || !state.syncScroll) return null;
  const other = state.groups[otherGroup(group)];
  if (!other.geometry || !other.cursorLps) return null;
  return syncedCursor(state.examTransform, group === 'a' ? 'aToB' : 'bToA', lps, other.cursorLps, other.geometry);
}

function compareState(compareSeriesId: number | null): Partial<ViewportState> {
  const s = viewportStore.getState();
  return {
    compareSeriesId,
    layout: compareSeriesId === null ? 'single' : 'compare',
    activeGroup: compareSeriesId === null ? 'a' : s.activeGroup,
  };
}

export const viewportActions = {
  /** A group starts showing a series: everything about the previous one is dropped, the window kept. */
  beginOpen(group: GroupId, seriesId: number | null): void {
    const current = viewportStore.getState().groups[group];
    if (current.seriesId === seriesId && (current.geometry || current.openError || seriesId === null)) return;
    patchGroup(group, (g) => ({ ...emptyGroup(), window: g.window, windowPresetId: g.windowPresetId, viewportsPx: g.viewportsPx, seriesId }));
  },
  seriesOpened(group: GroupId, series: SeriesDetail, geometry: VolumeGeometry): void {
    const state = viewportStore.getState();
    // A follow-up opens where the baseline is (same table position), otherwise at its centre.
    const start = initialCursorLps(geometry);
    const leader = state.groups[otherGroup(group)];
    const cursorLps =
      state.syncScroll && leader.cursorLps && leader.geometry && group === 'b'
        ? syncedCursor(state.examTransform, 'aToB', leader.cursorLps, start, geometry)
        : start;
    patchGroup(group, { series, geometry, cursorLps, openError: null });
  },
  openFailed(group: GroupId, message: string): void {
    patchGroup(group, { openError: message });
  },
  /** Move a group's crosshair; with `follow`, the other group scrolls along (compare layout). */
  setCursor(group: GroupId, cursorLps: Vec3, follow = true): void {
    const state = viewportStore.getState();
    const follower = follow ? followerCursor(state, group, cursorLps) : null;
    viewportStore.setState((s) => {
      const other = otherGroup(group);
      return {
        activeGroup: group,
        groups: {
          ...s.groups,
          [group]: { ...s.groups[group], cursorLps },
          ...(follower ? { [other]: { ...s.groups[other], cursorLps: follower } } : {}),
        },
      };
    });
  },
  /** Put `lps` at the crosshair and in the middle of every slice view of the group (zoom kept). */
  centreOn(group: GroupId, lps: Vec3): void {
    const g = viewportStore.getState().groups[group];
    if (!g.geometry) return;
    const geometry = g.geometry;
    const cursorLps = clampToVolume(geometry, lps);
    const viewTransforms = { ...g.viewTransforms };
    for (const kind of SLICE_VIEWS) viewTransforms[kind] = { ...viewTransforms[kind], panMm: panToCentre(geometry, kind, cursorLps) };
    patchGroup(group, { cursorLps, viewTransforms });
  },
  setWindow(group: GroupId, widthHu: number, centerHu: number, presetId: WindowPreset['id'] | null = null): void {
    patchGroup(group, { window: { widthHu, centerHu }, windowPresetId: presetId });
    viewportStore.setState({ activeGroup: group });
  },
  /** A preset applies to every group, so the exams compared are windowed alike. */
  setWindowAll(widthHu: number, centerHu: number, presetId: WindowPreset['id'] | null = null): void {
    for (const group of GROUP_IDS) patchGroup(group, { window: { widthHu, centerHu }, windowPresetId: presetId });
  },
  setViewTransform(group: GroupId, view: SliceViewKind, transform: ViewTransform): void {
    patchGroup(group, (g) => ({ viewTransforms: { ...g.viewTransforms, [view]: transform } }));
  },
  resetViews(): void {
    for (const group of GROUP_IDS) patchGroup(group, { viewTransforms: initialTransforms() });
  },
  setViewport(group: GroupId, view: ViewKind, sizePx: [number, number]): void {
    const current = viewportStore.getState().groups[group].viewportsPx[view];
    if (current[0] === sizePx[0] && current[1] === sizePx[1]) return;
    patchGroup(group, (g) => ({ viewportsPx: { ...g.viewportsPx, [view]: sizePx } }));
  },
  toggleMaximized(group: GroupId, view: ViewKind): void {
    patchGroup(group, (g) => ({ maximizedView: g.maximizedView === view ? null : view }));
  },
  setLoad(group: GroupId, patch: Partial<VolumeLoadState>): void {
    patchGroup(group, (g) => ({ load: { ...g.load, ...patch } }));
  },
  /** The reader's choice of layout (the hanging rule no longer decides it). */
  setLayout(layout: Layout): void {
    viewportStore.setState((s) => ({ layout, activeGroup: layout === 'single' ? 'a' : s.activeGroup, layoutByRule: null }));
  },
  /** The reader compares the open exam with another series (null: back to one exam). */
  chooseCompareSeries(compareSeriesId: number | null): void {
    viewportStore.setState({ ...compareState(compareSeriesId), layoutByRule: null });
  },
  /** The series compared with is no longer one to compare with (another patient's): back to one exam. */
  endCompare(): void {
    viewportStore.setState(compareState(null));
  },
  /**
   * The hanging rule's layout for a series just opened: beside `priorSeriesId`, or alone
   * (null). Ignored when another series was opened since, or the reader chose a layout.
   */
  hangLayout(seriesId: number, priorSeriesId: number | null): void {
    if (viewportStore.getState().layoutByRule !== seriesId) return;
    viewportStore.setState({ ...compareState(priorSeriesId), layoutByRule: null });
  },
  setSyncScroll(syncScroll: boolean): void {
    viewportStore.setState({ syncScroll });
  },
  /** Plug in a registration result (or go back to table position). */
  setExamTransform(examTransform: ExamTransform): void {
    viewportStore.setState({ examTransform });
  },
  setVolumePreset(volumePresetId: VolumePreset['id']): void {
    viewportStore.setState({ volumePresetId });
  },
  setVolumeLabelsVisible(volumeLabelsVisible: boolean): void {
    viewportStore.setState({ volumeLabelsVisible });
  },
  setReadout(readout: CursorReadout | null): void {
    viewportStore.setState({ readout });
  },
  setActiveGroup(activeGroup: GroupId): void {
    if (viewportStore.getState().activeGroup !== activeGroup) viewportStore.setState({ activeGroup });
  },
};

/**
 * Open a series from the library (browser, import report, follow-up): viewport group a shows
 * it. The views of the open exam forget the old series in the same render. Whether it is shown
 * beside its prior or alone is the hanging rule's to decide (features/workspace), unless the
 * caller chooses a layout itself right after.
 */
export function openSeries(seriesId: number): void {
  if (appStore.getState().seriesId === seriesId) return;
  viewportActions.beginOpen('a', seriesId);
  viewportActions.setReadout(null);
  viewportStore.setState({ layoutByRule: seriesId });
  appActions.seriesSelected(seriesId);
}
