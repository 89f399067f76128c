/**
 * The renderer's plain app-wide state: the library, and which series is open (the series
 * opened from the library is what viewport group a shows). Everything about the views —
 * crosshair, framing, window, 3D preset, the readout under the mouse — is the viewer's
 * (features/viewer: viewportStore); the active tool is the tools' (features/tools: toolStore).
 * Serializable data with units in the names — no vtk objects. Nothing here imports a feature:
 * features build on this.
 */
import type { SeriesDetail } from '../../../core/api/types';
import { createStore } from './createStore';

export interface AppState {
  /** Bumped on every onLibraryChanged (an import here or by another client), so the browser reloads. */
  libraryRevision: number;
  /** The series opened from the library (viewport group a). */
  seriesId: number | null;
  series: SeriesDetail | null;
  openError: string | null;
}

export const appStore = createStore<AppState>({
  libraryRevision: 0,
  seriesId: null,
  series: null,
  openError: null,
});

export const actions = {
  libraryChanged(): void {
    appStore.setState((s) => ({ libraryRevision: s.libraryRevision + 1 }));
  },
  /**
   * A series was chosen in the library (features/viewer's openSeries calls this after the
   * views forgot the old one, in the same render).
   */
  seriesSelected(seriesId: number): void {
    appStore.setState({ seriesId, series: null, openError: null });
  },
  seriesOpened(series: SeriesDetail): void {
    appStore.setState({ series });
  },
  openFailed(message: string): void {
    appStore.setState({ openError: message });
  },
};
