/** The reading area: toolbar, MPR + 3D grid and status bar for the open series. */
export { ViewerPanel } from './ViewerPanel';
