/**
 * What the console reads, typed from the API's own presenters: type-only imports, erased
 * from the bundle, so a field renamed on the server fails the console's typecheck.
 */
import type { presentRun, getRun } from '../../shared/domain/run.ts';
import type { listDestinations, presentSync } from '../../shared/domain/sync.ts';
import type { groupErrors, presentRecord } from '../../shared/domain/records.ts';
import type { listLogs } from '../../shared/domain/sync-logs.ts';
import type { getStats, getLogFacets, listInstances, getInstance } from '../../shared/domain/rollups.ts';
import type { presentDlqItem } from '../../shared/domain/dlq.ts';
import type { listAudit } from '../../shared/domain/audit.ts';
import type { getCoverage } from '../../shared/domain/coverage.ts';
import type { identifierTimeline } from '../../shared/domain/identifier-timeline.ts';
import type { getAlerts } from '../../shared/domain/alerts.ts';

type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

export type RunView = ReturnType<typeof presentRun>;
export type RunDetail = Answer<typeof getRun>;
export type SyncView = ReturnType<typeof presentSync>;
export type DestinationView = Answer<typeof listDestinations>['items'][number];
export type RecordView = ReturnType<typeof presentRecord>;
export type ErrorGroups = Answer<typeof groupErrors>;
export type LogRow = Answer<typeof listLogs>['items'][number];
export type Stats = Answer<typeof getStats>;
export type Facets = Answer<typeof getLogFacets>;
export type InstanceSummary = Answer<typeof listInstances>['items'][number];
export type InstanceDetail = Answer<typeof getInstance>;
export type DlqItemView = ReturnType<typeof presentDlqItem>;
export type AuditEntryView = Answer<typeof listAudit>['items'][number];
export type Coverage = Answer<typeof getCoverage>;
export type Timeline = Answer<typeof identifierTimeline>;
export type Alerts = Answer<typeof getAlerts>;
