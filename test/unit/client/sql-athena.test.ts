import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import { main, type CliDeps } from '#client/cli.ts';
import { SQL_DIR } from '../../../infra/constructs/analytics.ts';

// Every AthenaClient, including the one the CLI creates, answers from here.
const athena = mockClient(AthenaClient);
const env = { SYNCTRAIL_ATHENA_WORKGROUP: 'synctrail-synctrail', SYNCTRAIL_ATHENA_DATABASE: 'synctrail_synctrail', AWS_REGION: 'eu-west-1' };
const noWait: CliDeps = { sleep: async () => {} };

async function run(args: string[], deps: CliDeps = noWait, cliEnv: NodeJS.ProcessEnv = env) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = { log: (l: string) => void stdout.push(l), error: (l: string) => void stderr.push(l), progress: () => {} };
  const code = await main(['node', 'synctrail', 'sql', ...args], out, cliEnv, deps);
  return { code, stdout, stderr };
}

const succeededAfterRunning = () =>
  athena
    .on(GetQueryExecutionCommand)
    .resolvesOnce({ QueryExecution: { QueryExecutionId: 'q-7', Status: { State: 'RUNNING' } } })
    .resolves({ QueryExecution: { QueryExecutionId: 'q-7', StatementType: 'DML', Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 31_457_280 } } });

beforeEach(() => athena.reset());
afterEach(() => {
  process.exitCode = undefined;
});

describe('synctrail sql --athena', () => {
  it("sends a named query file's text unchanged, with the params in order, and prints the rows like local sql", async () => {
    // Arrange
    const file = join(SQL_DIR, 'rejected-records-by-error.sql');
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-7' });
    succeededAfterRunning();
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: ['status_message', 'rejected_records', 'rejected'].map((Name) => ({ Name, Type: 'varchar' })) },
        Rows: [
          { Data: [{ VarCharValue: 'status_message' }, { VarCharValue: 'rejected_records' }, { VarCharValue: 'rejected' }] },
          { Data: [{ VarCharValue: 'Invalid email format' }, { VarCharValue: '[user7@example, user107@example]' }, { VarCharValue: '2' }] },
        ],
      },
    });
    // Act
    const ran = await run(['--athena', '--file', file, 'acme', 'hv-meta', 'run-1', '--json']);
    // Assert
    expect(ran.code, ran.stderr.join('\n')).toBe(0);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: readFileSync(file, 'utf8'),
      WorkGroup: 'synctrail-synctrail',
      QueryExecutionContext: { Database: 'synctrail_synctrail' },
      ExecutionParameters: ["'acme'", "'hv-meta'", "'run-1'"],
    });
    expect(ran.stdout.map((l) => JSON.parse(l))).toEqual([{ status_message: 'Invalid email format', rejected_records: '[user7@example, user107@example]', rejected: '2' }]);
    expect(ran.stderr).toEqual([
      'Athena query q-7 started in synctrail-synctrail',
      'scanned 30.0 MB (31,457,280 bytes): $0.00016 at $5/TB',
    ]);
  });

  it('prints a table and the row count without --json; flags win over the environment; NULL prints empty as locally', async () => {
    // Arrange
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-7' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { StatementType: 'DML', Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1_000_000 } } });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'status', Type: 'varchar' }, { Name: 'n', Type: 'bigint' }] },
        Rows: [{ Data: [{ VarCharValue: 'status' }, { VarCharValue: 'n' }] }, { Data: [{ VarCharValue: 'rejected' }, { VarCharValue: '250' }] }, { Data: [{}, { VarCharValue: '3' }] }],
      },
    });
    // Act
    const ran = await run(['--athena', '--workgroup', 'wg-2', '--database', 'db_2', '--output-location', 's3://mine/', 'SELECT status, count(*) AS n FROM sync_log WHERE org = ? GROUP BY 1', 'acme']);
    // Assert
    expect(ran.code, ran.stderr.join('\n')).toBe(0);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toMatchObject({
      WorkGroup: 'wg-2',
      QueryExecutionContext: { Database: 'db_2' },
      ResultConfiguration: { OutputLocation: 's3://mine/' },
      ExecutionParameters: ["'acme'"],
    });
    expect(ran.stdout.join('\n')).toBe(['status    n', '────────  ───', 'rejected  250', '          3', '(2 rows)'].join('\n'));
    expect(ran.stderr.at(-1)).toBe('scanned 1.0 MB (1,000,000 bytes): $0.000005 at $5/TB (Athena bills at least 10 MB: $0.00005)');
  });

  it("exits 1 with Athena's reason when the query fails", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-7' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'HIVE_BAD_DATA: not a valid Parquet file' } } });
    const ran = await run(['--athena', 'SELECT * FROM sync_log']);
    expect(ran.code).toBe(1);
    expect(ran.stderr.at(-1)).toBe('synctrail: Athena query q-7 failed: HIVE_BAD_DATA: not a valid Parquet file');
    expect(ran.stdout).toEqual([]);
  });

  it('stops the query on Ctrl-C and exits 130', async () => {
    // Arrange
    const controller = new AbortController();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-7' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    let disposed = false;
    const deps: CliDeps = { interrupt: { signal: controller.signal, dispose: () => void (disposed = true) }, sleep: async () => controller.abort() };
    // Act
    const ran = await run(['--athena', 'SELECT * FROM sync_log'], deps);
    // Assert
    expect(ran.code).toBe(130);
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: 'q-7' }]);
    expect(ran.stderr.at(-1)).toBe('Athena query q-7 stopped (interrupted)');
    expect(disposed).toBe(true);
  });

  it('listens for SIGINT while the query runs, and stops listening after', async () => {
    // Arrange
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-7' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    const before = process.listenerCount('SIGINT');
    let during = 0;
    // The first wait sends SIGINT to the CLI's own listener (the newest), as Ctrl-C would.
    const sleep = async () => {
      during = process.listenerCount('SIGINT');
      (process.listeners('SIGINT').at(-1) as () => void)();
    };
    // Act
    const ran = await run(['--athena', 'SELECT * FROM sync_log'], { sleep });
    // Assert
    expect(during).toBe(before + 1);
    expect(process.listenerCount('SIGINT')).toBe(before);
    expect(ran.code).toBe(130);
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
  });

  it('says where the workgroup and database come from when they are missing', async () => {
    const ran = await run(['--athena', 'SELECT 1'], noWait, { AWS_REGION: 'eu-west-1' });
    expect(ran.code).toBe(1);
    expect(ran.stderr.at(-1)).toContain('the stack outputs AthenaWorkGroup and AthenaDatabase');
    expect(athena.calls()).toHaveLength(0);
  });
});
