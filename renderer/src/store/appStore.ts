/**
 * The renderer's plain state: what is open, where the crosshair is, how each view is
 * windowed and framed. Serializable data with units in the names — no vtk objects.
 */
import type { SeriesDetail, Vec3, VolumeGeometry } from '../../../core/api/types';
import { DEFAULT_WINDOW, type VolumePreset, type WindowPreset } from '../viewer/presets';
import {
  IDENTITY_VIEW_TRANSFORM,
  type SliceViewKind,
  type ViewTransform,
} from '../viewer/viewGeometry';
import { createStore } from './createStore';

export type ViewKind = SliceViewKind | '3d';
export type Tool = 'windowLevel' | 'crosshair';

export interface VolumeLoadState {
  slicesLoaded: number;
  sliceCount: number;
  complete: boolean;
  error: string | null;
  /** Bumped whenever voxel data changed, so views know to re-render. */
  revision: number;
}

export interface CursorReadout {
  view: SliceViewKind;
  lpsMm: Vec3;
  /** Voxel index [i, j, k], null outside the volume. */
  voxel: Vec3 | null;
  /** null outside the volume or while that slice has not arrived yet. */
  hu: number | null;
}

export interface AppState {
  /** Bumped after every import, so the browser reloads. */
  libraryRevision: number;
  seriesId: number | null;
  series: SeriesDetail | null;
  geometry: VolumeGeometry | null;
  openError: string | null;
  /** The linked crosshair: one point in patient LPS millimetres shared by all views. */
  cursorLps: Vec3 | null;
  window: { widthHu: number; centerHu: number };
  windowPresetId: WindowPreset['id'] | null;
  volumePresetId: VolumePreset['id'];
  tool: Tool;
  viewTransforms: Record<SliceViewKind, ViewTransform>;
  /** Viewport sizes in CSS pixels, as last laid out. */
  viewportsPx: Record<ViewKind, [number, number]>;
  maximizedView: ViewKind | null;
  load: VolumeLoadState;
  readout: CursorReadout | null;
}

const EMPTY_LOAD: VolumeLoadState = { slicesLoaded: 0, sliceCount: 0, complete: false, error: null, revision: 0 };

const initialTransforms = (): Record<SliceViewKind, ViewTransform> => ({
  axial: IDENTITY_VIEW_TRANSFORM,
  coronal: IDENTITY_VIEW_TRANSFORM,
  sagittal: IDENTITY_VIEW_TRANSFORM,
});

export const appStore = createStore<AppState>({
  libraryRevision: 0,
  seriesId: null,
  series: null,
  geometry: null,
  openError: null,
  cursorLps: null,
  window: { widthHu: DEFAULT_WINDOW.widthHu, centerHu: DEFAULT_WINDOW.centerHu },
  windowPresetId: DEFAULT_WINDOW.id,
  volumePresetId: 'softTissue',
  tool: 'windowLevel',
  viewTransforms: initialTransforms(),
  viewportsPx: { axial: [0, 0], coronal: [0, 0], sagittal: [0, 0], '3d': [0, 0] },
  maximizedView: null,
  load: EMPTY_LOAD,
  readout: null,
});

export const actions = {
  libraryChanged(): void {
    appStore.setState((s) => ({ libraryRevision: s.libraryRevision + 1 }));
  },
  selectSeries(seriesId: number): void {
    if (appStore.getState().seriesId === seriesId) return;
    appStore.setState({
      seriesId,
      series: null,
      geometry: null,
      openError: null,
      cursorLps: null,
      viewTransforms: initialTransforms(),
      load: EMPTY_LOAD,
      readout: null,
    });
  },
  seriesOpened(series: SeriesDetail, geometry: VolumeGeometry, cursorLps: Vec3): void {
    appStore.setState({ series, geometry, cursorLps });
  },
  openFailed(message: string): void {
    appStore.setState({ openError: message });
  },
  setCursor(cursorLps: Vec3): void {
    appStore.setState({ cursorLps });
  },
  setWindow(widthHu: number, centerHu: number, presetId: WindowPreset['id'] | null = null): void {
    appStore.setState({ window: { widthHu, centerHu }, windowPresetId: presetId });
  },
  setVolumePreset(volumePresetId: VolumePreset['id']): void {
    appStore.setState({ volumePresetId });
  },
  setTool(tool: Tool): void {
    appStore.setState({ tool });
  },
  setViewTransform(view: SliceViewKind, transform: ViewTransform): void {
    appStore.setState((s) => ({ viewTransforms: { ...s.viewTransforms, [view]: transform } }));
  },
  resetViews(): void {
    appStore.setState({ viewTransforms: initialTransforms() });
  },
  setViewport(view: ViewKind, sizePx: [number, number]): void {
    const current = appStore.getState().viewportsPx[view];
    if (current[0] === sizePx[0] && current[1] === sizePx[1]) return;
    appStore.setState((s) => ({ viewportsPx: { ...s.viewportsPx, [view]: sizePx } }));
  },
  toggleMaximized(view: ViewKind): void {
    appStore.setState((s) => ({ maximizedView: s.maximizedView === view ? null : view }));
  },
  setLoad(patch: Partial<VolumeLoadState>): void {
    appStore.setState((s) => ({ load: { ...s.load, ...patch } }));
  },
  setReadout(readout: CursorReadout | null): void {
    appStore.setState({ readout });
  },
};
