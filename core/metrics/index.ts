/**
 * Model validation metrics: voxel overlap, lesion detection, classification (ROC,
 * AUC), bootstrap confidence intervals, patient-level cohort splits, and monitoring of
 * a model in reading (true and false positives, misses). The public surface of core/metrics.
 */
export { MetricError } from './errors';
export { type Rng, mulberry32, randomIndex, shuffleInPlace } from './prng';
export { type LabelVolume, type Overlap, overlapOfLabels, overlapPerLabel } from './overlap';
export {
  type LesionDetectionOptions,
  type LesionDetectionResult,
  type LesionMatch,
  type PooledDetection,
  type PredictedLesion,
  type ReferenceLesion,
  DEFAULT_MIN_IOU,
  LESION_MATCH_RULE,
  describeLesionMatchRule,
  lesionDetection,
  poolDetections,
} from './detection';
export { componentLongestExtentsMm } from './extent';
export {
  type BinaryLabel,
  type BinaryMetrics,
  type ConfusionMatrix,
  type PartialAuc,
  type RocPoint,
  binaryMetricsAtThreshold,
  confusionMatrix,
  mannWhitneyAuc,
  partialRocAuc,
  rocAuc,
  rocCurve,
} from './classification';
export { type BootstrapCi, type BootstrapOptions, MIN_CASES_FOR_CI, bootstrapCi, intervalDefined } from './bootstrap';
export { type MonitoringCounts, type MonitoringEvent, type MonitoringRunInfo, monitoringByModel, monitoringFigures } from './monitoring';
export { type Fold, type SplitPart, apportion, kFolds, splitByPatient } from './splits';
export { type Summary, quantileSorted, summarize } from './summary';
