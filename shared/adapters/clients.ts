import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Settings } from './settings.ts';

export interface Clients {
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
}

/** What is done to each SDK client built (in Lambda: captured for X-Ray tracing); by default nothing. */
export type ClientInstrument = <T>(client: T) => T;
export const UNINSTRUMENTED: ClientInstrument = (client) => client;

/** One set of clients per module (per Lambda container), shared by every adapter. */
export function createClients(settings: Settings, instrument: ClientInstrument = UNINSTRUMENTED): Clients {
  const local = settings.localCredentials ? { credentials: settings.localCredentials } : {};
  const dynamo = instrument(new DynamoDBClient({
    region: settings.region,
    maxAttempts: 4,
    ...(settings.dynamodbEndpoint ? { endpoint: settings.dynamodbEndpoint } : {}),
    ...local,
  }));
  const s3 = instrument(new S3Client({
    region: settings.region,
    maxAttempts: 4,
    ...(settings.s3Endpoint
      ? {
          endpoint: settings.s3Endpoint,
          forcePathStyle: true,
          // s3rver stores aws-chunked framing inside streamed bodies under flexible checksums.
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
    ...local,
  }));
  return {
    dynamo: DynamoDBDocumentClient.from(dynamo, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
      unmarshallOptions: { wrapNumbers: false },
    }),
    s3,
  };
}
