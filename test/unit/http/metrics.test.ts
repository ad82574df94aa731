import { describe, expect, it } from 'vitest';
import { metricsLine } from '#http/metrics.ts';

describe('embedded metric format', () => {
  it('declares each metric under the SyncTrail namespace and carries its value', () => {
    const line = JSON.parse(metricsLine({ RecordsReceived: 10, RecordsFailed: 2 }, new Date(1_700_000_000_000)));
    expect(line).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [{ Namespace: 'SyncTrail', Dimensions: [[]], Metrics: [{ Name: 'RecordsReceived', Unit: 'Count' }, { Name: 'RecordsFailed', Unit: 'Count' }] }],
      },
      RecordsReceived: 10,
      RecordsFailed: 2,
    });
  });
});
