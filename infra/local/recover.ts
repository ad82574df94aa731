import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createClients } from '#adapters/clients.ts';
import type { Settings } from '#adapters/settings.ts';
import type { BatchRecord } from '#domain/batch-entity.ts';
import type { Deps } from '#domain/ports.ts';
import { settleBatches } from '#domain/recovery.ts';

/**
 * Local mode, at start: every batch a killed process left in flight is brought to rest at
 * once, as completion would — a written file is counted, a claim with nothing written is let
 * go (a retry counts it), an upload whose object arrived is converted again. Local mode owns
 * its table, so a scan is fine here; in AWS completion does this per run.
 */
export async function recoverInFlightBatches(settings: Settings, deps: Deps): Promise<{ runs: number; rolledForward: number; abandoned: number }> {
  const { dynamo } = createClients(settings);
  const byRun = new Map<string, BatchRecord[]>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: settings.table,
        FilterExpression: '#type = :batch AND (#state IN (:writing, :pending) OR dlqPending = :true)',
        ExpressionAttributeNames: { '#type': 'type', '#state': 'state' },
        ExpressionAttributeValues: { ':batch': 'batch', ':writing': 'writing', ':pending': 'pending', ':true': true },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const { pk, sk, type, ttl, ...item } of page.Items ?? []) {
      const batch = item as unknown as BatchRecord;
      const key = `${batch.orgId}\n${batch.runId}`;
      byRun.set(key, [...(byRun.get(key) ?? []), batch]);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  dynamo.destroy();

  const totals = { runs: 0, rolledForward: 0, abandoned: 0 };
  for (const batches of byRun.values()) {
    const run = await deps.runs.get(batches[0]!.orgId, batches[0]!.runId);
    // A finished run still gets the dead letters a counted batch owes.
    if (!run) continue;
    const settled = await settleBatches(deps, run, batches);
    totals.runs += 1;
    totals.rolledForward += settled.rolledForward.length;
    totals.abandoned += settled.abandoned.length;
  }
  return totals;
}
