import { Tracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDeps } from '#adapters/deps.ts';
import { traceClient, traceClientsWith } from '#http/tracing.ts';

afterEach(() => vi.unstubAllEnvs());

const settings = { region: 'eu-west-1', table: 't', bucket: 'b', retentionDays: 14, historyRetentionDays: 14, rootKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:k', eventBusName: 'bus', glue: { database: 'd', table: 'sync_log' } };

describe('X-Ray capture of the SDK clients', () => {
  it('is off outside Lambda: the clients are handed back untouched', () => {
    const client = new DynamoDBClient({ region: 'eu-west-1' });
    const before = client.middlewareStack.identify();
    expect(traceClient(client)).toBe(client);
    expect(client.middlewareStack.identify()).toEqual(before);
  });

  it('in Lambda (AWS_EXECUTION_ENV set) adds the X-Ray middleware to the client', () => {
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
    const client = new DynamoDBClient({ region: 'eu-west-1' });
    traceClientsWith(new Tracer({ serviceName: 'synctrail' }))(client);
    expect(client.middlewareStack.identify().some((name) => /xray/i.test(name))).toBe(true);
  });

  it('createDeps hands every SDK client it builds to the instrument: DynamoDB, S3, Secrets Manager, EventBridge, Glue', () => {
    const seen: string[] = [];
    createDeps(settings, undefined, (client) => (seen.push((client as object).constructor.name), client));
    expect(seen.sort()).toEqual(['DynamoDBClient', 'EventBridgeClient', 'GlueClient', 'S3Client', 'SecretsManagerClient']);
  });
});
