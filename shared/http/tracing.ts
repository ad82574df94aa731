import { Tracer } from '@aws-lambda-powertools/tracer';
import type { ClientInstrument } from '#adapters/clients.ts';
import { SERVICE_NAME } from './log.ts';

/**
 * The one tracer (Powertools, X-Ray). It is on only in Lambda (`AWS_EXECUTION_ENV` set; the
 * functions have active tracing): elsewhere, local mode and tests, every call is a no-op and
 * no client is touched. When on, it also traces outgoing HTTPS and fetch (webhook deliveries).
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME });


/** Captures an SDK v3 client's calls as X-Ray subsegments when `tracer` is on; otherwise hands it back untouched. */
export const traceClientsWith =
  (on: Pick<Tracer, 'isTracingEnabled' | 'captureAWSv3Client'>): ClientInstrument =>
  <T>(client: T): T =>
    on.isTracingEnabled() ? on.captureAWSv3Client(client) : client;

export const traceClient: ClientInstrument = traceClientsWith(tracer);
