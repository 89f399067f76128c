/**
 * Reading tools on the slice views: length, bidirectional, ellipse and freehand ROI
 * measurements of lesions; brush, eraser, region growing and interpolation of lesion and
 * liver masks; undo and redo of the reader's own edits; the lesion masks as coloured labels
 * for the 3D view.
 */
import './tools.css';

export { useReadingTools, type ReadingTools } from './useReadingTools';
export { ToolPalette } from './ToolPalette';
export { SegmentationBar, ToolNotice } from './SegmentationBar';
export type { ToolController } from './toolController';
// Slice painting shared with the AI proposal layer.
export { paintLabelSlice, strokeEdges } from './labelCanvas';
export { colourLabels, labelEdges, sliceImageSize, sparseFromRle, sparseSliceInto, type SliceAxis, type SparseMask } from './maskSlice';
// The tools' state (active tool, drafts, undo and redo): the reading area and the AI panel read it.
export * from './toolStore';
// The lesion masks as coloured labels for the 3D view.
export { useLesionVolumeLabels } from './useLesionVolumeLabels';
