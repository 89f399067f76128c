/** Lesion volumetry: the public surface of core/volumetry. */
export {
  assessVolumetry,
  growthBetween,
  specificGrowthRatePerDay,
  tumorBurdenPct,
  volumeDoublingTimeDays,
  DAYS_PER_MONTH,
  type Growth,
  type GrowthKind,
  type VolumetryAssessment,
  type VolumetryExam,
  type VolumetryExamResult,
  type VolumetryInterval,
} from './volumetry';
