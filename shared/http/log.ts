import { Logger } from '@aws-lambda-powertools/logger';

/** SyncTrail's service name in logs, metrics and traces (`POWERTOOLS_SERVICE_NAME`, set by the CDK app). */
export const SERVICE_NAME = 'synctrail';

/**
 * The one logger (Powertools): one JSON object per line, what CloudWatch's JSON log format and
 * local mode both read. In Lambda, `lambdaHandler`/`lambdaJob` (`lambda.ts`) add the invocation's
 * context to every line (`function_request_id`, `cold_start`, `function_name`, …) and, for API
 * requests, `apiRequestId` and `route`; `xray_trace_id` comes from the environment.
 * `POWERTOOLS_LOG_LEVEL` sets the level (default INFO).
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME });

/** One log line with fields of its own beside the logger's (`requestId`, `route`, …). */
export function log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
  logger[level](message, fields);
}
