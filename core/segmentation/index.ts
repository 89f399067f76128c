/**
 * Lesion and organ masks on a series' own grid: volume, HU statistics, the
 * bidirectional measurement, connected components and the editing operations.
 * The public surface of core/segmentation.
 */
export {
  type VoxelBox,
  MaskError,
  assertOnGrid,
  maskBoundingBox,
  maskHuStats,
  maskVolumeMl,
  maskVoxelCount,
  voxelVolumeMm3,
} from './mask';
export {
  type BidirectionalMeasurement,
  type BidirectionalOptions,
  autoBidirectional,
  bidirectionalOnSlice,
} from './bidirectional';
export {
  type ComponentInfo,
  type ComponentOptions,
  type ComponentsResult,
  type Connectivity,
  componentMask,
  connectedComponents3d,
} from './components';
export {
  type HuRange,
  type RegionGrowCriterion,
  type RegionGrowResult,
  type SliceAxis,
  erase,
  paintDisk,
  regionGrow,
} from './paint';
export { interpolateSlices, squaredDistanceTransform2d } from './interpolate';
