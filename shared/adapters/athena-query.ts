import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';

/** Athena's price per terabyte scanned (us-east-1 and most regions). */
export const USD_PER_TB = 5;
/** Athena bills at least this much per query. */
export const MIN_BILLED_BYTES = 10 * 1000 * 1000;

export interface AthenaQueryOptions {
  readonly workGroup: string;
  readonly database: string;
  /** Only needed when the workgroup does not enforce its own result location. */
  readonly outputLocation?: string;
  /** Values for the `?` placeholders, in order, each sent as a string literal (as local SQL binds them). */
  readonly params?: readonly string[];
  /** Aborting stops the query (StopQueryExecution) and rejects with {@link QueryStoppedError}. */
  readonly signal?: AbortSignal;
  /** Polling: the first wait, doubled after each answer that is not final, up to `maxPollMs`. */
  readonly firstPollMs?: number;
  readonly maxPollMs?: number;
  /** Rows per GetQueryResults page (Athena's maximum is 1000). */
  readonly pageSize?: number;
  /** How to wait between polls (tests count the waits instead of sleeping). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told the query's id as soon as Athena gives it. */
  readonly onStarted?: (queryExecutionId: string) => void;
}

export interface AthenaQueryResult {
  readonly queryExecutionId: string;
  readonly columns: string[];
  /** Every value as Athena returns it: a string, or null for SQL NULL. */
  readonly rows: Array<Record<string, string | null>>;
  readonly bytesScanned: number;
  /** bytesScanned at $5/TB (what Athena bills is at least {@link MIN_BILLED_BYTES}). */
  readonly costUsd: number;
  readonly engineMs?: number;
}

/** The query ended FAILED or CANCELLED; `reason` is Athena's StateChangeReason. */
export class AthenaQueryError extends Error {
  constructor(
    readonly queryExecutionId: string,
    readonly state: string,
    readonly reason: string | undefined,
  ) {
    super(`Athena query ${queryExecutionId} ${state === 'CANCELLED' ? 'was cancelled' : 'failed'}${reason ? `: ${reason}` : ''}`);
    this.name = 'AthenaQueryError';
  }
}

/** The caller aborted; the query was asked to stop. */
export class QueryStoppedError extends Error {
  constructor(readonly queryExecutionId: string | undefined) {
    super(queryExecutionId ? `Athena query ${queryExecutionId} stopped` : 'Athena query stopped before it started');
    this.name = 'QueryStoppedError';
  }
}

export const costOf = (bytes: number) => (bytes / 1e12) * USD_PER_TB;

/** A string literal in Trino SQL: Athena substitutes ExecutionParameters as SQL text, not bound values. */
export const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;

const abortableSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

const isAbort = (error: unknown) => (error as { name?: string })?.name === 'AbortError';

/**
 * Runs one SQL statement on Athena: StartQueryExecution, GetQueryExecution until the state is
 * final (waits doubling from 200 ms, at most 2 s apart), then every GetQueryResults page.
 * The first row of a SELECT's first page is the header; values stay strings, as Athena sends them.
 */
export async function runAthenaQuery(client: AthenaClient, sql: string, options: AthenaQueryOptions): Promise<AthenaQueryResult> {
  const { signal } = options;
  const sleep = options.sleep ?? abortableSleep;
  const maxPollMs = options.maxPollMs ?? 2000;
  const input: StartQueryExecutionCommandInput = {
    QueryString: sql,
    WorkGroup: options.workGroup,
    QueryExecutionContext: { Database: options.database },
    ...(options.outputLocation ? { ResultConfiguration: { OutputLocation: options.outputLocation } } : {}),
    ...(options.params?.length ? { ExecutionParameters: options.params.map(sqlString) } : {}),
  };
  if (signal?.aborted) throw new QueryStoppedError(undefined);
  // Not abortable: once Athena has the query, only its id lets us stop it.
  const started = await client.send(new StartQueryExecutionCommand(input));
  const id = started.QueryExecutionId;
  if (!id) throw new Error('Athena started the query without giving its id');
  options.onStarted?.(id);

  const stop = async (): Promise<never> => {
    await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    throw new QueryStoppedError(id);
  };

  let execution: QueryExecution | undefined;
  let wait = options.firstPollMs ?? 200;
  for (;;) {
    if (signal?.aborted) return stop();
    try {
      execution = (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }), signal ? { abortSignal: signal } : {})).QueryExecution;
    } catch (error) {
      if (signal?.aborted || isAbort(error)) return stop();
      throw error;
    }
    const state = execution?.Status?.State;
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED' || state === 'CANCELLED') {
      throw new AthenaQueryError(id, state, execution?.Status?.StateChangeReason ?? execution?.Status?.AthenaError?.ErrorMessage);
    }
    await sleep(wait, signal);
    wait = Math.min(maxPollMs, wait * 2);
  }

  const columns: string[] = [];
  const rows: Array<Record<string, string | null>> = [];
  let nextToken: string | undefined;
  let first = true;
  do {
    if (signal?.aborted) throw new QueryStoppedError(id);
    let page;
    try {
      page = await client.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: options.pageSize ?? 1000, ...(nextToken ? { NextToken: nextToken } : {}) }),
        signal ? { abortSignal: signal } : {},
      );
    } catch (error) {
      if (signal?.aborted || isAbort(error)) throw new QueryStoppedError(id);
      throw error;
    }
    let data = page.ResultSet?.Rows ?? [];
    if (first) {
      columns.push(...(page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? c.Label ?? ''));
      const head = data[0]?.Data?.map((d) => d.VarCharValue ?? null);
      // A SELECT's (DML's) first row repeats the column names; DDL and utility statements have none.
      const dml = (execution?.StatementType ?? 'DML') === 'DML';
      if (dml && head && head.length === columns.length && head.every((name, i) => name === columns[i])) data = data.slice(1);
      first = false;
    }
    for (const row of data) {
      const cells = row.Data ?? [];
      rows.push(Object.fromEntries(columns.map((name, i) => [name, cells[i]?.VarCharValue ?? null])));
    }
    nextToken = page.NextToken;
  } while (nextToken);

  const bytesScanned = Number(execution?.Statistics?.DataScannedInBytes ?? 0);
  const engineMs = execution?.Statistics?.EngineExecutionTimeInMillis;
  return { queryExecutionId: id, columns, rows, bytesScanned, costUsd: costOf(bytesScanned), ...(engineMs !== undefined ? { engineMs: Number(engineMs) } : {}) };
}
