/**
 * The reading workspace: the toolbar, the MPR + 3D grid (one exam, or two side by side) and
 * the status bar for the open series. It composes the viewer with the features that draw on
 * it or steer it (reading tools, AI proposals, follow-up landmarks and registration, lesion
 * focus, the hanging rule that opens a follow-up beside its prior); those features build on
 * the viewer, so the composition lives above them, here.
 */
export { ViewerPanel } from './ViewerPanel';
