/** RECIST 1.1: the public surface of core/recist. */
export * from './types';
export { assessRecist } from './assess';
export { bestOverallResponse, type BestOverallResponse, type DatedResponse } from './bestOverallResponse';
export { daysBetween, isoDateToDay } from '../dates';
export { defaultRecistRole, type DefaultRecistRoleInput } from './defaultRole';
export { assessLesionTable, recistCaseFromTable } from './lesionAssessment';
export { roundMm, sumOfDiameters, type SumOfDiameters } from './sumOfDiameters';
export {
  isPartialResponse,
  isProgression,
  nonTargetResponse,
  nonTargetStatus,
  overallResponse,
  pctChange,
  targetResponse,
  PD_INCREASE_PCT,
  PD_MIN_INCREASE_MM,
  PR_DECREASE_PCT,
  type Ruled,
  type TargetResponseInput,
} from './timepointResponse';
export {
  classifyBaselineLesion,
  isMeasurement,
  measurableMinimumMm,
  validateRecistCase,
  MAX_TARGETS,
  MAX_TARGETS_PER_ORGAN,
  MEASURABLE_LONG_AXIS_MM,
  NODE_PATHOLOGICAL_SHORT_AXIS_MM,
  NODE_TARGET_SHORT_AXIS_MM,
  type BaselineCategory,
  type BaselineClassification,
  type RecistValidation,
} from './validate';
