import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emitMetrics } from '#http/metrics.ts';
import { lambdaJob } from '#http/lambda.ts';
import { log } from '#http/log.ts';

/** What the process wrote to stdout, one parsed JSON object per line (Powertools writes there, not through console.log). */
function captureStdout() {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  return () => lines.map((line) => JSON.parse(line) as Record<string, any>);
}

const context = { functionName: 'SyncTrailIngest', functionVersion: '$LATEST', memoryLimitInMB: '1024', awsRequestId: 'lambda-req-1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:SyncTrailIngest' } as Context;
const apiEvent = { routeKey: 'POST /v1/runs/{runId}/batches', requestContext: { requestId: 'apigw-req-1' } };

beforeEach(() => vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'SyncTrailIngest'));
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('Powertools logs and metrics in a Lambda invocation', () => {
  it('a log line carries the Lambda request id, the API Gateway request id and the route', async () => {
    // Arrange
    const output = captureStdout();
    const handler = lambdaJob(async () => {
      log('info', 'batch counted', { runId: 'run-1' });
      return 'ok';
    });
    // Act
    await handler(apiEvent, context);
    // Assert
    const line = output().find((l) => l.message === 'batch counted')!;
    expect(line).toMatchObject({ level: 'INFO', message: 'batch counted', service: 'synctrail', runId: 'run-1', function_request_id: 'lambda-req-1', function_name: 'SyncTrailIngest', apiRequestId: 'apigw-req-1', route: 'POST /v1/runs/{runId}/batches' });
    expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('the keys of one request are gone from the next invocation\'s lines', async () => {
    const output = captureStdout();
    const handler = lambdaJob(async () => log('info', 'job ran'));
    await handler(apiEvent, context);
    await handler({}, { ...context, awsRequestId: 'lambda-req-2' });
    const lines = output().filter((l) => l.message === 'job ran');
    expect(lines.map((l) => [l.function_request_id, l.apiRequestId])).toEqual([['lambda-req-1', 'apigw-req-1'], ['lambda-req-2', undefined]]);
  });

  it('metrics go out after the invocation as one EMF line: SyncTrail namespace, no dimensions, counts', async () => {
    const output = captureStdout();
    const handler = lambdaJob(async () => emitMetrics({ RecordsReceived: 10, RecordsFailed: 2, Batches: 1 }));
    await handler(apiEvent, context);
    const emf = output().filter((l) => l._aws);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [{ Namespace: 'SyncTrail', Dimensions: [[]], Metrics: [{ Name: 'RecordsReceived', Unit: 'Count' }, { Name: 'RecordsFailed', Unit: 'Count' }, { Name: 'Batches', Unit: 'Count' }] }],
      },
      RecordsReceived: 10,
      RecordsFailed: 2,
      Batches: 1,
    });
  });

  it('an invocation without metrics writes no EMF line and no warning', async () => {
    const output = captureStdout();
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await lambdaJob(async () => 'nothing')(apiEvent, context);
    expect(output().filter((l) => l._aws)).toEqual([]);
    expect(errors).not.toHaveBeenCalled();
  });

  it('outside Lambda (local mode) metrics are not recorded, so never printed', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '');
    const output = captureStdout();
    await lambdaJob(async () => emitMetrics({ Batches: 1 }))({}, context);
    expect(output().filter((l) => l._aws)).toEqual([]);
  });
});
