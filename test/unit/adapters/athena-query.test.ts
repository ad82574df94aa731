import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type GetQueryResultsOutput,
  type QueryExecutionState,
} from '@aws-sdk/client-athena';
import { AthenaQueryError, QueryStoppedError, runAthenaQuery, type AthenaQueryOptions } from '#adapters/athena-query.ts';

const client = new AthenaClient({ region: 'eu-west-1' });
const athena = mockClient(client);

/** Records the waits between polls instead of sleeping. */
let waits: number[];
const sleep = async (ms: number) => void waits.push(ms);
const options = (extra: Partial<AthenaQueryOptions> = {}): AthenaQueryOptions => ({ workGroup: 'synctrail-synctrail', database: 'synctrail_synctrail', sleep, ...extra });

const execution = (State: QueryExecutionState, extra: Record<string, unknown> = {}) => ({
  QueryExecution: { QueryExecutionId: 'q-1', StatementType: 'DML' as const, Status: { State }, ...extra },
});
const succeeded = (bytes = 0) => execution('SUCCEEDED', { Statistics: { DataScannedInBytes: bytes, EngineExecutionTimeInMillis: 812 } });

const page = (columns: string[] | null, rows: Array<Array<string | null>>, NextToken?: string): GetQueryResultsOutput => ({
  ResultSet: {
    ...(columns ? { ResultSetMetadata: { ColumnInfo: columns.map((Name) => ({ Name, Label: Name, Type: 'varchar' })) } } : {}),
    Rows: [...(columns ? [columns] : []), ...rows].map((cells) => ({ Data: cells.map((v) => (v === null ? {} : { VarCharValue: v })) })),
  },
  ...(NextToken ? { NextToken } : {}),
});

const commandNames = () => athena.calls().map((call) => (call.args[0] as object).constructor.name);

beforeEach(() => {
  athena.reset();
  waits = [];
});

describe('runAthenaQuery', () => {
  it('starts the query in the workgroup and database with the params as string literals, polls, then reads the results', async () => {
    // Arrange
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolvesOnce(execution('QUEUED')).resolvesOnce(execution('RUNNING')).resolves(succeeded(1234));
    athena.on(GetQueryResultsCommand).resolves(page(['status', 'n'], [['rejected', '250'], ['succeeded', '24750']]));
    const sql = 'SELECT status, count(*) AS n FROM sync_log WHERE org = ? AND run_id = ? GROUP BY 1 ORDER BY 1';
    // Act
    const result = await runAthenaQuery(client, sql, options({ params: ['acme', "o'brien"] }));
    // Assert
    expect(commandNames()).toEqual(['StartQueryExecutionCommand', 'GetQueryExecutionCommand', 'GetQueryExecutionCommand', 'GetQueryExecutionCommand', 'GetQueryResultsCommand']);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: sql,
      WorkGroup: 'synctrail-synctrail',
      QueryExecutionContext: { Database: 'synctrail_synctrail' },
      // Athena substitutes parameters as SQL text: quoted, as local SQL binds them (VARCHAR).
      ExecutionParameters: ["'acme'", "'o''brien'"],
    });
    for (const call of athena.commandCalls(GetQueryExecutionCommand)) expect(call.args[0].input).toEqual({ QueryExecutionId: 'q-1' });
    expect(athena.commandCalls(GetQueryResultsCommand)[0]!.args[0].input).toEqual({ QueryExecutionId: 'q-1', MaxResults: 1000 });
    expect(result).toEqual({
      queryExecutionId: 'q-1',
      columns: ['status', 'n'],
      rows: [
        { status: 'rejected', n: '250' },
        { status: 'succeeded', n: '24750' },
      ],
      bytesScanned: 1234,
      costUsd: (1234 / 1e12) * 5,
      engineMs: 812,
    });
  });

  it('sends no ExecutionParameters without params, and the output location only when given', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(succeeded());
    athena.on(GetQueryResultsCommand).resolves(page(['one'], [['1']]));
    await runAthenaQuery(client, 'SELECT 1 AS one', options({ outputLocation: 's3://results/' }));
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: 'SELECT 1 AS one',
      WorkGroup: 'synctrail-synctrail',
      QueryExecutionContext: { Database: 'synctrail_synctrail' },
      ResultConfiguration: { OutputLocation: 's3://results/' },
    });
  });

  it('backs off while QUEUED or RUNNING: waits double from 200 ms and stay at 2 s', async () => {
    // Arrange
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    const states: QueryExecutionState[] = ['QUEUED', 'QUEUED', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING'];
    const polls = athena.on(GetQueryExecutionCommand);
    for (const state of states) polls.resolvesOnce(execution(state));
    polls.resolves(succeeded());
    athena.on(GetQueryResultsCommand).resolves(page(['x'], []));
    // Act
    await runAthenaQuery(client, 'SELECT 1 AS x', options());
    // Assert
    expect(waits).toEqual([200, 400, 800, 1600, 2000, 2000, 2000]);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(states.length + 1);
  });

  it("fails FAILED queries with Athena's reason, without reading results", async () => {
    // Arrange
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolvesOnce(execution('RUNNING')).resolves(
      execution('FAILED', { Status: { State: 'FAILED', StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved" } }),
    );
    // Act
    const error = await runAthenaQuery(client, 'SELECT nope FROM sync_log', options()).catch((e: unknown) => e);
    // Assert
    expect(error).toBeInstanceOf(AthenaQueryError);
    expect((error as AthenaQueryError).message).toBe("Athena query q-1 failed: COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved");
    expect((error as AthenaQueryError).state).toBe('FAILED');
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('reports a query cancelled elsewhere (e.g. by the workgroup scan cutoff) as cancelled, with the reason', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(execution('CANCELLED', { Status: { State: 'CANCELLED', StateChangeReason: 'Query exhausted the bytes scanned limit' } }));
    await expect(runAthenaQuery(client, 'SELECT * FROM sync_log', options())).rejects.toThrow('Athena query q-1 was cancelled: Query exhausted the bytes scanned limit');
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(0);
  });

  it('reads every page over NextToken; only the first page carries the header row', async () => {
    // Arrange
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(succeeded(5_000_000));
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce(page(['identifier', 'status'], [['a@x', 'succeeded'], ['b@x', 'rejected']], 'token-2'))
      .resolvesOnce(page(null, [['c@x', 'succeeded'], ['d@x', null]], 'token-3'))
      .resolvesOnce(page(null, [['e@x', 'rejected']]));
    // Act
    const result = await runAthenaQuery(client, 'SELECT identifier, status FROM sync_log', options({ pageSize: 2 }));
    // Assert
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: 'q-1', MaxResults: 2 },
      { QueryExecutionId: 'q-1', MaxResults: 2, NextToken: 'token-2' },
      { QueryExecutionId: 'q-1', MaxResults: 2, NextToken: 'token-3' },
    ]);
    expect(result.columns).toEqual(['identifier', 'status']);
    expect(result.rows).toEqual([
      { identifier: 'a@x', status: 'succeeded' },
      { identifier: 'b@x', status: 'rejected' },
      { identifier: 'c@x', status: 'succeeded' },
      { identifier: 'd@x', status: null },
      { identifier: 'e@x', status: 'rejected' },
    ]);
  });

  it('keeps the first row of a DDL or utility statement (Athena sends no header row for those)', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED', { StatementType: 'UTILITY' }));
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'tab_name', Type: 'string' }] }, Rows: [{ Data: [{ VarCharValue: 'tab_name' }] }, { Data: [{ VarCharValue: 'sync_log' }] }] },
    });
    const result = await runAthenaQuery(client, 'SHOW TABLES', options());
    expect(result.rows).toEqual([{ tab_name: 'tab_name' }, { tab_name: 'sync_log' }]);
  });

  it('gives bytes scanned and their cost at $5/TB', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(succeeded(2_500_000_000_000));
    athena.on(GetQueryResultsCommand).resolves(page(['x'], [['1']]));
    const result = await runAthenaQuery(client, 'SELECT 1 AS x', options());
    expect(result.bytesScanned).toBe(2_500_000_000_000);
    expect(result.costUsd).toBeCloseTo(12.5, 10);
  });

  it('stops the query (StopQueryExecution) when aborted while it runs', async () => {
    // Arrange
    const controller = new AbortController();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});
    const abortOnSecondWait = async (ms: number) => {
      waits.push(ms);
      if (waits.length === 2) controller.abort();
    };
    // Act
    const error = await runAthenaQuery(client, 'SELECT * FROM sync_log', options({ signal: controller.signal, sleep: abortOnSecondWait })).catch((e: unknown) => e);
    // Assert
    expect(error).toBeInstanceOf(QueryStoppedError);
    expect((error as Error).message).toBe('Athena query q-1 stopped');
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: 'q-1' }]);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(2);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('stops the query when aborted during a real (abortable) wait, without waiting it out', async () => {
    // Arrange
    const controller = new AbortController();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});
    const began = Date.now();
    // Act
    const running = runAthenaQuery(client, 'SELECT * FROM sync_log', { workGroup: 'wg', database: 'db', signal: controller.signal, firstPollMs: 60_000 });
    setTimeout(() => controller.abort(), 50);
    // Assert
    await expect(running).rejects.toBeInstanceOf(QueryStoppedError);
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
  });

  it('starts nothing when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runAthenaQuery(client, 'SELECT 1', options({ signal: controller.signal }))).rejects.toBeInstanceOf(QueryStoppedError);
    expect(athena.calls()).toHaveLength(0);
  });
});
