// DICOM Segmentation (PS3.3 C.8.20) reading and placement on a CT series grid,
// plus a small NRRD label-map reader. The public surface of main/services/dicom/seg.
export { type SegErrorCode, SegReadError } from './segError';
export {
  type CodedConcept,
  type SegDocument,
  type SegFrame,
  type SegSegment,
  SEGMENTATION_STORAGE,
  parseSeg,
  readSegFile,
  segFrameBits,
} from './readSeg';
export {
  type SegLabelMap,
  type SegOnGrid,
  type SegPlacementOptions,
  type SegTarget,
  type SegmentMask,
  segLabelMap,
  segMasksOnGrid,
} from './segOnGrid';
export { type Nrrd, type NrrdData, type NrrdSampleType, NrrdError, nrrdGeometry, parseNrrd } from './nrrd';
