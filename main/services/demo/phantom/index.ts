/**
 * Synthetic CT phantom: the public surface for tests, e2e, benchmarks and
 * model training. See README.md in this folder.
 */
export {
  type GeneratedPatient,
  type GeneratedTimepoint,
  type LesionSummary,
  type LesionTruth,
  type PhantomOptions,
  type PhantomTruth,
  type PixelEncoding,
  type ResolvedPhantomOptions,
  type RigidTransformTruth,
  type TimepointTruth,
  PhantomOptionError,
  generatePatient,
  resolveOptions,
} from './phantom';
export {
  type WriteOptions,
  type WrittenPatient,
  cohortPatientOptions,
  sliceFileName,
  writePatient,
} from './writeSeries';
export { type LesionCourse, type LesionEvent, type LesionType } from './lesions';
export { LIVER_LABEL } from './synthesize';
export { TISSUE_HU } from './anatomy';
export { type Mat3Rows, type RigidTransform, applyRigid, invertRigid } from './geometry';
