/**
 * A metric that is undefined for its input (e.g. an AUC with no negative case), or
 * input that cannot be scored (mismatched lengths). The message says which and why.
 * bootstrapCi skips resamples whose statistic throws this error and counts them.
 */
export class MetricError extends Error {
  override name = 'MetricError';
}
