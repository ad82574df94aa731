/** CloudWatch namespace of SyncTrail's own metrics (the monitoring dashboard reads it). */
export const METRICS_NAMESPACE = 'SyncTrail';

/**
 * One line in CloudWatch's embedded metric format: Lambda's log pipeline turns it into
 * metrics, with no API call on the request path.
 */
export function metricsLine(metrics: Record<string, number>, at: Date = new Date()): string {
  return JSON.stringify({
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [[]], Metrics: Object.keys(metrics).map((Name) => ({ Name, Unit: 'Count' })) }],
    },
    ...metrics,
  });
}

/** Writes the metrics when running in Lambda; local mode's console stays readable. */
export function emitMetrics(metrics: Record<string, number>): void {
  if (process.env.AWS_LAMBDA_FUNCTION_NAME) console.log(metricsLine(metrics));
}
