/**
 * The renderer's plain app-wide state: the library, which series is open, the 3D preset
 * and the readout under the mouse. What each viewport group shows (crosshair, framing,
 * window, load progress) lives in viewportStore; the active tool in toolStore.
 * Serializable data with units in the names — no vtk objects.
 */
import type { SeriesDetail, Vec3 } from '../../../core/api/types';
import type { VolumePreset } from '../viewer/presets';
import type { SliceViewKind } from '../viewer/viewGeometry';
import { createStore } from './createStore';
import { viewportActions, type GroupId } from './viewportStore';

export type { ViewKind, VolumeLoadState } from './viewportStore';
export type { Tool } from './toolStore';

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

export interface AppState {
  /** Bumped after every import, so the browser reloads. */
  libraryRevision: number;
  /** The series opened from the library (viewport group a). */
  seriesId: number | null;
  series: SeriesDetail | null;
  openError: string | null;
  volumePresetId: VolumePreset['id'];
  readout: CursorReadout | null;
}

export const appStore = createStore<AppState>({
  libraryRevision: 0,
  seriesId: null,
  series: null,
  openError: null,
  volumePresetId: 'softTissue',
  readout: null,
});

export const actions = {
  libraryChanged(): void {
    appStore.setState((s) => ({ libraryRevision: s.libraryRevision + 1 }));
  },
  selectSeries(seriesId: number): void {
    if (appStore.getState().seriesId === seriesId) return;
    // The views of the open exam (viewport group a) forget the old series in the same render.
    viewportActions.beginOpen('a', seriesId);
    appStore.setState({ seriesId, series: null, openError: null, readout: null });
  },
  seriesOpened(series: SeriesDetail): void {
    appStore.setState({ series });
  },
  openFailed(message: string): void {
    appStore.setState({ openError: message });
  },
  setVolumePreset(volumePresetId: VolumePreset['id']): void {
    appStore.setState({ volumePresetId });
  },
  setReadout(readout: CursorReadout | null): void {
    appStore.setState({ readout });
  },
};
