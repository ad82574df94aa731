import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, POSITIONS } from '#adapters/dynamodb/cursor.ts';
import { queryPaged } from '#adapters/dynamodb/paged-query.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64url');
const refusal = { code: 'invalid_request', statusCode: 400, message: 'cursor is not one this API issued' };

describe('decodeCursor', () => {
  it.each([
    ['a run', '2026-11-23T06:00:00.000Z#run-1', POSITIONS.dated],
    ['an audit entry', '2026-11-23T06:00:00.000Z#aud_01m8mse153kbbn2y4gsg9sjebb', POSITIONS.dated],
    ['a timestamp past year 9999', '+010000-01-01T00:00:00.000Z#run-1', POSITIONS.dated],
    ['a sync', 'SYNC#s', POSITIONS.sync],
  ])('gives back the position of %s it encoded', (_what, k, accepts) => {
    expect(decodeCursor(encodeCursor({ k }), accepts)).toEqual({ k });
  });

  it.each([
    ['random base64url', 'q83vASNFZ4mrze8BI0VniQ3x-_0', POSITIONS.dated],
    ['not base64url', '{"k":"SYNC#s"}', POSITIONS.sync],
    ['base64url of non-JSON', b64('not json'), POSITIONS.dated],
    ['a position of no known shape', b64('{"k":"x"}'), POSITIONS.dated],
    ['a dated position for the syncs', encodeCursor({ k: '2026-11-23T06:00:00.000Z#r' }), POSITIONS.sync],
    ['a sync position for a dated listing', encodeCursor({ k: 'SYNC#s' }), POSITIONS.dated],
    ['a partition key', b64(JSON.stringify({ pk: 'ORG#other', k: 'SYNC#s' })), POSITIONS.sync],
    ['another org in the sort key', encodeCursor({ k: '2026-11-23T06:00:00.000Z#ORG#other#RUNS' }), POSITIONS.dated],
    ['a path in the id', encodeCursor({ k: 'SYNC#../x' }), POSITIONS.sync],
    ['an empty id', encodeCursor({ k: 'SYNC#' }), POSITIONS.sync],
    ['a number for a position', b64('{"k":1}'), POSITIONS.dated],
  ])('refuses %s with a 400', (_what, cursor, accepts) => {
    expect(() => decodeCursor(cursor, accepts)).toThrow(expect.objectContaining(refusal));
  });
});

describe('queryPaged', () => {
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const dynamo = mockClient(documentClient);

  it('answers 400 when DynamoDB refuses the start key a cursor gave', async () => {
    // Arrange
    dynamo.reset();
    dynamo.on(QueryCommand).rejects(Object.assign(new Error('The provided starting key is outside query boundaries based on provided conditions'), { name: 'ValidationException' }));
    // Act + Assert
    await expect(queryPaged(documentClient, { TableName: 't', KeyConditionExpression: 'pk = :pk' }, 10, { pk: 'p', sk: 'x' })).rejects.toMatchObject(refusal);
  });

  it('leaves any other failure as it is', async () => {
    // Arrange
    dynamo.reset();
    dynamo.on(QueryCommand).rejects(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }));
    // Act + Assert
    await expect(queryPaged(documentClient, { TableName: 't', KeyConditionExpression: 'pk = :pk' }, 10, { pk: 'p', sk: 'x' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
