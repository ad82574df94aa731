import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** CloudWatch namespace of SyncTrail's own metrics (the monitoring dashboard reads it). */
export const METRICS_NAMESPACE = 'SyncTrail';

/** SyncTrail's metrics, all counts, all without dimensions (the dashboard and alarms read them so). */
export const METRIC_NAMES = ['RecordsReceived', 'RecordsFailed', 'Batches'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/**
 * The one metrics buffer (Powertools, CloudWatch's embedded metric format): Lambda's log
 * pipeline turns the line into metrics, with no API call on the request path. The Lambda
 * wrapper (`lambda.ts`) flushes it after each invocation.
 */
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE });
// Powertools adds a `service` dimension by default; SyncTrail's metrics have none.
metrics.clearDefaultDimensions();

/** Adds counts to this invocation's metrics, in Lambda only: local mode's console stays readable. */
export function emitMetrics(values: Partial<Record<MetricName, number>>): void {
  if (!process.env.AWS_LAMBDA_FUNCTION_NAME) return;
  for (const [name, value] of Object.entries(values)) metrics.addMetric(name, MetricUnit.Count, value);
}

/**
 * Writes the invocation's metrics as one EMF line, if it recorded any (Powertools' `logMetrics`
 * would warn on every invocation without metrics, i.e. most API requests). One empty dimension
 * set: `Dimensions: [[]]`, the metric itself with no dimensions.
 */
export function publishMetrics(): void {
  if (!metrics.hasStoredMetrics()) return;
  metrics.addDimensions({});
  metrics.publishStoredMetrics();
}
