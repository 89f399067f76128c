/**
 * The viewer: viewport groups (which series each shows, crosshair, framing, window), the
 * vtk.js views that draw the shared volume, the pure view geometry they use, and the seam
 * through which reading tools draw on a slice view (SliceTools). Other features import the
 * viewer only from here; nothing in it imports another feature.
 */
import './viewer.css';

export { SliceView, viewTestId } from './vtk/SliceView';
export { VolumeView } from './vtk/VolumeView';
export { VIEW_LABELS } from './vtk/SliceOverlay';
export { useVolumeImage } from './vtk/useVolumeImage';
export { warmUpWebGlWhenIdle } from './vtk/warmUpWebGl';
export { StatusBar } from './StatusBar';
export * from './model/viewportStore';
export { DEFAULT_WINDOW, MIN_WINDOW_WIDTH_HU, WINDOW_PRESETS, VOLUME_PRESETS, type WindowPreset, type VolumePreset } from './model/presets';
export { type LoadedVolume, type SliceTools, type SliceViewState, type CanvasPx, slicePlanePoint, sliceSpacingAlongNormal } from './model/sliceTools';
export { type ExamTransform, TABLE_POSITION, correspondingPoint, panToCentre, syncedCursor } from './model/groupSync';
export * from './model/viewGeometry';
export { LESION_RGB, LIVER_RGB, cssRgb, lesionColour, type Rgb } from './model/lesionColours';
export { cropFromDense, cropFromRuns, type LabelCrop, type VolumeLabel } from './model/volumeLabels';
