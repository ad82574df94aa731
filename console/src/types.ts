/**
 * What the console reads, inferred from the API's answer schemas (shared/http/answers):
 * type-only imports, erased from the bundle, so a field renamed on the server fails the
 * console's typecheck.
 */
import type { AnswerOf } from '../../shared/http/answers/index.ts';

export type RunView = AnswerOf<'query/list-runs'>['items'][number];
export type RunDetail = AnswerOf<'query/get-run'>;
export type SyncView = AnswerOf<'query/get-sync'>;
export type DestinationView = AnswerOf<'query/list-destinations'>['items'][number];
export type RecordView = AnswerOf<'query/list-records'>['items'][number];
export type ErrorGroups = AnswerOf<'query/get-run-errors'>;
export type RunDiff = AnswerOf<'query/get-run-diff'>;
export type RunDiffItem = AnswerOf<'query/list-run-diff-records'>['items'][number];
export type LogRow = AnswerOf<'query/list-logs'>['items'][number];
export type Stats = AnswerOf<'query/get-stats'>;
export type Facets = AnswerOf<'query/get-log-facets'>;
export type InstanceSummary = AnswerOf<'query/list-instances'>['items'][number];
export type InstanceDetail = AnswerOf<'query/get-instance'>;
export type DlqItemView = AnswerOf<'dlq/get-dlq-item'>;
export type AuditEntryView = AnswerOf<'query/list-audit'>['items'][number];
export type Coverage = AnswerOf<'query/get-coverage'>;
export type Timeline = AnswerOf<'query/get-identifier-timeline'>;
export type Alerts = AnswerOf<'query/get-alerts'>;
export type WebhookView = AnswerOf<'webhooks/list-webhooks'>['items'][number];
export type WebhookDelivery = AnswerOf<'webhooks/list-deliveries'>['items'][number];
