/** The vtk.js viewer: views that draw the shared volume, and the pure geometry they use. */
export { SliceView } from './SliceView';
export { VolumeView } from './VolumeView';
export { VIEW_LABELS } from './SliceOverlay';
export { useVolumeImage, type LoadedVolume } from './useVolumeImage';
export { installDebugHooks } from './debugHooks';
export { warmUpWebGlWhenIdle } from './warmUpWebGl';
export { WINDOW_PRESETS, VOLUME_PRESETS, type WindowPreset, type VolumePreset } from './presets';
export * from './viewGeometry';
