/**
 * What the use cases need from the outside world. Adapters in `shared/adapters/` speak
 * DynamoDB and S3 (AWS, or dynalite and s3rver locally); the domain never imports an SDK.
 */
import type { AuditEntry, AuditQuery } from './audit-entity.ts';
import type { DlqItem, DlqQuery, DlqState, DlqStoreFilter, ReplayEvent } from './dlq-entity.ts';
import type { BatchCounts, BatchError, BatchRecord, EntityCounts } from './batch-entity.ts';
import type { StoredKey } from './keys.ts';
import type { Org } from './org-entity.ts';
import type { FactTableName, FactTables } from './fact-tables.ts';
import type { Run, FinalRunFields } from './run-entity.ts';
import type { RunQuery } from './run-schemas.ts';
import type { FieldTypes } from './payload.ts';
import type { Sync, SyncConfig, LastRun, Watermark } from './sync-entity.ts';
import type { DestinationStatus } from './statuses.ts';
import type { TrackingRow } from './tracking-row.ts';
import type { SyncTrailEvent } from './events.ts';
import type { Page, PageRequest } from './paging.ts';
import type { AlertRule, AlertState, AlertType } from './alert-entity.ts';
import type { QueuedRetries, Webhook, WebhookDelivery } from './webhook-entity.ts';

export interface OrgStore {
  /** false when the org already exists. */
  createOrg(org: Org): Promise<boolean>;
  getOrg(orgId: string): Promise<Org | undefined>;
  listOrgIds(): Promise<string[]>;
}

/** Where the query engine learns about a run's folder: Glue partitions in AWS. */
export interface PartitionRegistry {
  /** Idempotent: registering a known run does nothing. */
  registerRun(orgId: string, syncId: string, runId: string): Promise<void>;
  /**
   * Drops the partitions registered before `before` (a partition already gone is no error);
   * answers how many were looked at and how many this call dropped.
   */
  dropCreatedBefore(before: Date): Promise<{ scanned: number; dropped: number }>;
}

export interface KeyStore {
  putKey(key: StoredKey): Promise<void>;
  getKey(keyId: string): Promise<StoredKey | undefined>;
  /** The keys of these ids that exist, revoked ones too, in no particular order. */
  getKeys(keyIds: readonly string[]): Promise<StoredKey[]>;
  /** false when there was no live key of that org to revoke. */
  revokeKey(orgId: string, keyId: string, at: string): Promise<boolean>;
}

export interface SyncStore {
  get(orgId: string, syncId: string): Promise<Sync | undefined>;
  /** false when the sync exists already. */
  create(sync: Sync): Promise<boolean>;
  /**
   * Replaces the configuration attributes only (status fields are others' to change);
   * false when the stored version is no longer `expectedVersion`, or the type is changed away
   * from signal while a freshness rule is set.
   */
  updateConfig(orgId: string, syncId: string, config: SyncConfig, expectedVersion: number, updatedAt: string): Promise<boolean>;
  list(orgId: string, page: PageRequest): Promise<Page<Sync>>;
  /** Marks the destination running for this run unless a newer run already did. */
  markRunStarted(orgId: string, syncId: string, runId: string, runOrderKey: string): Promise<void>;
  /** Sets the destination's final status, only if this run is still the newest one. */
  markRunFinished(orgId: string, syncId: string, runId: string, status: DestinationStatus, lastRun: LastRun): Promise<void>;
  /** Moves the watermark forward only: false when it is already at or past `watermark`. */
  advanceWatermark(orgId: string, syncId: string, watermark: Watermark): Promise<boolean>;
  /**
   * Replaces the alert rules (bumping `rulesRevision`) and forgets the states of `droppedStates`,
   * answering the rules and states as they were just before. false when the sync is gone, or `rules` hold a freshness rule and
   * the sync is no longer of type signal.
   */
  setAlertRules(orgId: string, syncId: string, rules: AlertRule[], droppedStates: AlertType[]): Promise<false | { previousStates: Partial<Record<AlertType, AlertState>>; previousRules: AlertRule[] }>;
  /**
   * Moves one rule's state; false when it was no longer `wasFiring` (another evaluation got
   * there first), or when the sync's latest finished run or watermark is no longer `basis`,
   * what the verdict was judged on (a completion landed meanwhile: its judgment stands).
   */
  transitionAlert(orgId: string, syncId: string, type: AlertType, wasFiring: boolean, next: AlertState, basis: AlertBasis): Promise<boolean>;
}

/** What a rule was judged on: the sync's latest finished run and watermark, as read (absent: none). */
export interface AlertBasis {
  lastRunId: string | undefined;
  maxEventDate: string | undefined;
  /** The rules' revision as read (absent: rules never set through a revision). */
  rulesRevision: number | undefined;
  /**
   * For a missed-run rule only: the newest start as read (`Sync.currentRunKey`; null: none). A
   * run started since then judged the rule itself. Other rules do not wait on starts.
   */
  lastStartKey?: string | null;
}

export interface RunStore {
  /** Creates the run, or returns the one already stored under its id. */
  create(run: Run): Promise<{ created: boolean; run: Run }>;
  get(orgId: string, runId: string): Promise<Run | undefined>;
  list(orgId: string, query: RunQuery, nowEpochSeconds: number): Promise<Page<Run>>;
  /** A `list` cursor that continues right after this run. */
  cursorAfter(run: Run): string;
  getBatch(orgId: string, runId: string, batchKey: string): Promise<BatchRecord | undefined>;
  /** Claims a batch key; false when somebody claimed it first. */
  claimBatch(batch: BatchRecord): Promise<boolean>;
  /**
   * A writer of the same content takes over a claim still being written, with a new
   * deadline; false when the claim is no longer `writing` with that content.
   */
  renewClaim(orgId: string, runId: string, batchKey: string, contentHash: string, claimedAt: string, writeDeadline: string): Promise<boolean>;
  /** Takes back a claim still being written (the run refused it). */
  releaseBatch(orgId: string, runId: string, batchKey: string): Promise<void>;
  /**
   * Removes the claim of a writer that died before writing its file: only while it is still
   * `writing` under that same claim (`claimedAt`); false otherwise.
   */
  abandonBatch(orgId: string, runId: string, batchKey: string, claimedAt: string | undefined): Promise<boolean>;
  /** A writer that failed (an error, not a crash) gives its claim up at once: its deadline becomes `at`. Only its own claim. */
  expireClaim(orgId: string, runId: string, batchKey: string, claimedAt: string, at: string): Promise<void>;
  /**
   * Tells the run a batch file is about to be written, in one conditional write: bumps its
   * version (completion's optimistic lock), only while it is running. false when it is not.
   */
  announceBatch(orgId: string, runId: string): Promise<boolean>;
  /**
   * Counts a batch: `writing` → `done`, exactly once. The batch item is the counter of
   * record (the run adds up its done batches), so nothing on the run grows per batch.
   * `dlqPending` says its dead-letter items are still to be written. Only under the claim
   * `claimedAt` (undefined: an item from before claims were kept). false when it was not `writing` under it.
   */
  markBatchDone(orgId: string, runId: string, batchKey: string, claimedAt: string | undefined, at: string, fileBytes: number | undefined, dlqPending: boolean): Promise<boolean>;
  /** Its dead-letter items are stored. */
  clearDlqPending(orgId: string, runId: string, batchKey: string): Promise<void>;
  listBatches(orgId: string, runId: string): Promise<BatchRecord[]>;
  /**
   * Adds payload fields and types not yet known (concurrent batches' additions all kept)
   * while the run's bounded list has room; returns the run's list and whether fields were left out.
   */
  addPayloadFields(orgId: string, runId: string, fields: FieldTypes): Promise<{ schema: FieldTypes; truncated: boolean }>;
  /**
   * Creates an upload batch, or replaces one still pending or failed, or one whose
   * conversion died under the claim `deadClaimedAt`; false when it is in another state.
   */
  putUploadBatch(batch: BatchRecord, deadClaimedAt?: string): Promise<boolean>;
  /**
   * A conversion of the batch's current upload starts: its claim and deadline. Only over the
   * claim it read (`previousClaim`, undefined when there was none): one conversion takes a batch
   * over. false when the upload is no longer current, the batch is done, or another took it.
   */
  markConversionStarted(orgId: string, runId: string, batchKey: string, uploadKey: string, previousClaim: string | undefined, claimedAt: string, writeDeadline: string): Promise<boolean>;
  /** Claims an upload's conversion: only for the batch's current upload, once (or again with the same content). */
  beginConversion(
    orgId: string,
    runId: string,
    batchKey: string,
    uploadKey: string,
    fields: Pick<
      BatchRecord,
      'contentHash' | 'counts' | 'entityCounts' | 'maxEventDate' | 'fileKey' | 'conversionStartedAt' | 'payloadFields' | 'payloadFieldsTruncated' | 'finalFailures' | 'claimedAt' | 'writeDeadline'
    >,
    /** Also over a `writing` claim of this content hash (a dead writer's, of other content, that wrote no file). */
    replacing?: string,
  ): Promise<boolean>;
  /** Marks the current upload of a batch failed, with why. */
  failUpload(orgId: string, runId: string, batchKey: string, uploadKey: string, error: BatchError): Promise<void>;
  /** Makes the run final; false when its version moved (a batch was announced meanwhile). */
  finalize(orgId: string, runId: string, expectedVersion: number, fields: FinalRunFields): Promise<boolean>;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  list(orgId: string, query: AuditQuery): Promise<Page<AuditEntry>>;
}

export interface DlqStore {
  /** Adds items not yet there; an item already present (any state) is left alone. */
  addItems(items: DlqItem[]): Promise<void>;
  get(orgId: string, itemId: string): Promise<DlqItem | undefined>;
  list(orgId: string, query: DlqQuery, nowEpochSeconds: number): Promise<Page<DlqItem>>;
  /**
   * One read of the pending, unexpired items matching `filter`, oldest `createdAt` first: a
   * page may hold fewer items than matched so far (the store stops at its read size), and
   * `nextCursor` goes on where it stopped.
   */
  pendingPage(orgId: string, filter: DlqStoreFilter, nowEpochSeconds: number, cursor?: string): Promise<Page<DlqItem>>;
  /** Moves an item from one state to another; false when it was not in `from`. */
  transition(orgId: string, itemId: string, from: DlqState, to: DlqState, at: string, by: string): Promise<boolean>;
}

export interface EventPublisher {
  /** Sends a replay to the producer (EventBridge in AWS) and keeps it for `GET /v1/replays`. */
  publishReplay(event: ReplayEvent, expiresAt: string): Promise<void>;
  /**
   * Sends many replays, batched (PutEvents takes 10 entries and 256 KB). Answers, in order,
   * which were sent, and the first failure; it stops at a failure, and never throws for one:
   * the caller puts the unsent items back.
   */
  publishReplays(replays: ReadonlyArray<{ event: ReplayEvent; expiresAt: string }>): Promise<{ sent: boolean[]; error?: unknown }>;
  listReplays(orgId: string, page: PageRequest, nowEpochSeconds: number): Promise<Page<ReplayEvent>>;
}

export interface WebhookStore {
  create(hook: Webhook): Promise<void>;
  get(orgId: string, webhookId: string): Promise<Webhook | undefined>;
  list(orgId: string): Promise<Webhook[]>;
  /** false when there was no such webhook. */
  delete(orgId: string, webhookId: string): Promise<boolean>;
  /**
   * Writes a delivery's log entry. With `after` (queued retries), only over an entry of the
   * same event still `retrying` with exactly `after.attempts` attempts, and: with `claimAt`,
   * held by no run or by one whose `retryRunUntil` is before it (the claim); without, held by
   * `delivery.retryRun`. Answers false when the entry is not so.
   */
  recordDelivery(delivery: WebhookDelivery, after?: { attempts: number; claimAt?: string }): Promise<boolean>;
  /** Newest first; deliveries past their expiry are never listed. */
  listDeliveries(orgId: string, webhookId: string, page: PageRequest, nowEpochSeconds: number): Promise<Page<WebhookDelivery>>;
  /** The webhook's deliveries created after `sinceIso` still `retrying` (the sweep's reading; at most 1,000). */
  listRetrying(orgId: string, webhookId: string, sinceIso: string): Promise<WebhookDelivery[]>;
  /**
   * Marks a delivery's retries as queued again at `at`: only while it is still `retrying` with
   * the same attempts, held by no run (or one whose hold ended before `at`), and not queued
   * again since `quietSince`. false when it is not so (another sweep, or a run, got there first).
   */
  markRequeued(delivery: WebhookDelivery, at: string, quietSince: string): Promise<boolean>;
}

/** Posts a webhook delivery; throws when no HTTP answer came (network, timeout, refused target). */
export interface WebhookSender {
  /** The answer's status, and for a non-2xx answer its first bytes (`body`). */
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; body?: string }>;
}

/** Which webhook targets this deployment calls (AWS: public addresses only). */
export interface WebhookTargetPolicy {
  allows(url: URL): boolean;
}

/** Publishes SyncTrail's events: EventBridge in AWS (a function delivers webhooks from there); local mode delivers them directly. */
export interface Notifier {
  publish(event: SyncTrailEvent): Promise<void>;
  /** Hands the rest of a delivery to the webhook delivery function (locally: runs it in the background); resolves once queued. */
  queueRetries(queued: QueuedRetries): Promise<void>;
}

export interface TrackingFiles {
  /** Writes a batch file, its payload schema in the footer; answers its size in bytes. */
  writeRows(key: string, rows: TrackingRow[], payloadSchema: FieldTypes): Promise<number>;
  /** An object's size and when it was written, or undefined when there is none (objects are never partial). */
  head(key: string): Promise<{ bytes: number; modifiedAt: string } | undefined>;
  /** The payload schema a batch file keeps in its footer. */
  readPayloadSchema(key: string): Promise<FieldTypes>;
  /**
   * The rows of a batch file whose identifier is exactly `identifier`, in row order, reading only
   * what the file's identifier index (or, for a file without one, its bloom filters where the
   * JavaScript writer wrote them; DuckDB-written files have none, so every row group) and page
   * index say it must (`bytes`: the file's size, if known).
   */
  findRows(key: string, identifier: string, bytes?: number): Promise<TrackingRow[]>;
  /** A pre-signed PUT URL for an upload object. */
  presignUpload(key: string, seconds: number): Promise<string>;
  /** Copies an uploaded object to local disk, with the SHA-256 of its bytes as stored. */
  downloadUpload(key: string): Promise<DownloadedUpload>;
  /**
   * Puts a batch file written on local disk (by the native engine) at `key`, its identifier
   * index (written beside it, `indexPath`) first; answers the file's size in bytes.
   */
  putBatchFile(key: string, path: string, indexPath: string): Promise<number>;
  /** A parquet file written a row group at a time to local disk, then put at a key. */
  stageRows(): Promise<StagedRows>;
  /** Some columns of every row of a batch file, in row order. */
  readColumns<K extends keyof TrackingRow>(key: string, columns: K[]): Promise<Array<Pick<TrackingRow, K>>>;
  /**
   * Some columns of a batch file, a row group at a time, in file order: `visit` sees each row
   * group's rows and lets them go, so memory holds one row group, not the file.
   */
  eachRowGroup<K extends keyof TrackingRow>(key: string, columns: K[], visit: (rows: Array<Pick<TrackingRow, K>>) => void): Promise<void>;
  /** Whole rows `start` (inclusive) to `end` (exclusive) of a batch file. */
  readRows(key: string, start: number, end: number): Promise<TrackingRow[]>;
  writeJson(key: string, value: unknown): Promise<void>;
  /**
   * Writes the symlink manifest Athena reads a batch file through (`syncLogManifestKey`):
   * one line, the file's `s3://` URL. Idempotent; written after the file, before the count.
   * `ifMissing`: keep one already there (a batch rolled forward later keeps its expiry clock).
   */
  writeManifest(fileKey: string, options?: { ifMissing?: boolean }): Promise<void>;
  /**
   * Writes a run's digest (run-digest.ts) at `key`: `identifiers` sorted, each with its payload
   * hash. The same entries give the same bytes; the object is put whole (never partial).
   */
  writeRunDigest(key: string, identifiers: readonly string[], payloadHashes: BigInt64Array): Promise<void>;
  /** A run's digest opened for a merge (its footer read), or undefined when there is none. */
  openRunDigest(key: string): Promise<RunDigestReader | undefined>;
  /** Rewrites `metadata/ORG/<table>.parquet` (and the manifest Athena reads it through). */
  writeFactTable<T extends FactTableName>(orgId: string, table: T, rows: FactTables[T]): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A run's digest, read a row group at a time. */
export interface RunDigestReader {
  /** Its row groups in file order, with the largest identifier of each (from the statistics). */
  readonly rowGroups: ReadonlyArray<{ rows: number; maxIdentifier?: string }>;
  /** The entries of one row group, sorted by identifier. */
  readRowGroup(index: number): Promise<{ identifiers: string[]; hashes: bigint[] }>;
}

export interface StagedRows {
  push(row: TrackingRow): Promise<void>;
  /** Finishes the file (payload schema in the footer) and puts it at `key`; answers its size in bytes. */
  commit(key: string, payloadSchema: FieldTypes): Promise<number>;
  /** Removes the local file; harmless after commit. */
  discard(): Promise<void>;
}

export interface RootKeyVerifier {
  /** true when the token is the deployment's root key. */
  isRootKey(token: string): Promise<boolean>;
}

export interface Clock {
  now(): Date;
}

export interface Config {
  /** Days a run's row-level records are browsable (and its managed files kept). */
  retentionDays: number;
  /** Days a run stays in Sync History; at least `retentionDays`. */
  historyRetentionDays: number;
  /** Waits before each webhook retry, in ms (attempts = this + 1). */
  webhookRetryDelaysMs: number[];
  /** Where the web console is, for links in Slack and PagerDuty messages; none when not known. */
  consoleUrl?: string;
  /**
   * No writer that claimed a batch before this moment is still alive (local mode: when the
   * process started). In AWS a writer is known dead once its deadline (past its function's
   * timeout) has passed.
   */
  writersAliveSince?: string;
  /**
   * Managed bucket only: days after which a run's partition names only expired files, so the
   * fact-table job drops it. Absent: partitions stay (a bring-your-own bucket keeps its files).
   */
  dropPartitionsAfterDays?: number;
}

/** Asks for an uploaded object to be converted (again): the converter function in AWS, in-process locally. */
export interface ConversionQueue {
  enqueue(uploadKey: string): Promise<void>;
}

export interface DownloadedUpload {
  /** The object on local disk, as uploaded (gzip when `gzip`). */
  path: string;
  gzip: boolean;
  /** Hex SHA-256 of the object's bytes. */
  sha256: string;
  /** Whether its bytes start as gzip does (1f 8b), whatever was announced. */
  looksGzipped: boolean;
  /** Its lines, gunzipped; a line over `maxBytes` comes cut at maxBytes + 1. */
  lines(maxBytes: number): AsyncIterable<string>;
  /** A path beside it for a file to write (the batch file); removed with it. */
  scratch(name: string): string;
  /** Removes the local copy and its scratch files. */
  discard(): Promise<void>;
}

/** One upload for the native engine to convert. */
export interface NativeConversionJob {
  source: string;
  gzip: boolean;
  /** Where to write the batch file and its identifier index; absent for a dry run, which only counts. */
  output?: { file: string; index: string };
  batch: { batchType: string; batchNumber: number; startedAt: string; endedAt: string };
  run: Run;
  /** The contract's check of one line (zod): its payload when the record is valid. */
  reference: (line: string) => { payload: Record<string, unknown> } | undefined;
}

/** What the native engine found: the same as the reference classification of the same lines. */
export interface NativeConversion {
  rows: number;
  counts: Required<BatchCounts>;
  entityCounts: EntityCounts;
  payloadFields: FieldTypes;
  maxEventDate?: string;
  /** Final failed records, in row order: the dead-letter items' rows. */
  finalFailures: TrackingRow[];
}

/**
 * Converts an upload natively (DuckDB), or declines a batch holding anything it cannot
 * vouch for: then the reference path converts it, or reports its bad lines.
 */
export interface BatchEngine {
  convert(job: NativeConversionJob): Promise<NativeConversion | Declined>;
}

/** Why the native engine left a batch to the reference path. */
export interface Declined {
  declined: string;
}

export interface Deps {
  orgs: OrgStore;
  keys: KeyStore;
  syncs: SyncStore;
  runs: RunStore;
  audit: AuditLog;
  dlq: DlqStore;
  events: EventPublisher;
  notifier: Notifier;
  webhooks: WebhookStore;
  webhookSender: WebhookSender;
  webhookTargets: WebhookTargetPolicy;
  files: TrackingFiles;
  /** The native writer for uploads, where the function ships it (the converter, local mode). */
  batchEngine?: BatchEngine;
  conversions: ConversionQueue;
  partitions: PartitionRegistry;
  rootKey: RootKeyVerifier;
  clock: Clock;
  config: Config;
}
