/** The vtk.js viewer: views that draw the shared volume, and the pure geometry they use. */
export { SliceView, viewTestId } from './SliceView';
export { VolumeView } from './VolumeView';
export { VIEW_LABELS } from './SliceOverlay';
export { useVolumeImage, type LoadedVolume } from './useVolumeImage';
export { installDebugHooks } from './debugHooks';
export { warmUpWebGlWhenIdle } from './warmUpWebGl';
export { WINDOW_PRESETS, VOLUME_PRESETS, type WindowPreset, type VolumePreset } from './presets';
export { type SliceTools, type SliceViewState, type CanvasPx, slicePlanePoint, sliceSpacingAlongNormal } from './sliceTools';
export { type ExamTransform, TABLE_POSITION, panToCentre, syncedCursor } from './groupSync';
export * from './viewGeometry';
