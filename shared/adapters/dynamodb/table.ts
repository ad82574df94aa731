/**
 * The single table's layout, shared by the adapters, local mode's table creation and the
 * CDK storage construct.
 *
 * | item  | pk                          | sk               | gsi1 (org's runs)         | gsi2 (a sync's runs)            |
 * |-------|-----------------------------|------------------|---------------------------|---------------------------------|
 * | org   | ORG#o                       | ORG              |                           |                                 |
 * | key   | KEY#k                       | KEY              |                           |                                 |
 * | sync  | ORG#o                       | SYNC#s           |                           |                                 |
 * | run   | ORG#o#RUN#r                 | RUN              | ORG#o#RUNS, startedAt#r   | ORG#o#SYNC#s#RUNS, startedAt#r  |
 * | batch | ORG#o#RUN#r                 | BATCH#type.n     |                           |                                 |
 * | audit | ORG#o#AUDIT                 | at#auditId       |                           |                                 |
 * | dlq   | ORG#o#DLQ                   | ITEM#itemId      | ORG#o#DLQ, createdAt#id   |                                 |
 * | replay| ORG#o#REPLAYS               | at#eventId       |                           |                                 |
 * | hook  | ORG#o#WEBHOOKS              | HOOK#webhookId   |                           |                                 |
 * | deliv.| ORG#o#HOOK#w#DELIVERIES     | at#deliveryId    |                           |                                 |
 *
 * Sync items also carry their alert rules and each rule's state (`alertRules`, `alertStates`).
 * Run, batch, dead-letter, replay and delivery items carry `ttl` (epoch seconds) for the retention.
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;
export const TTL_ATTRIBUTE = 'ttl';

export const RUNS_BY_ORG_INDEX = { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } as const;
export const RUNS_BY_SYNC_INDEX = { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' } as const;
export const INDEXES = [RUNS_BY_ORG_INDEX, RUNS_BY_SYNC_INDEX] as const;

export const orgPk = (orgId: string) => `ORG#${orgId}`;
export const keyPk = (keyId: string) => `KEY#${keyId}`;
export const runPk = (orgId: string, runId: string) => `ORG#${orgId}#RUN#${runId}`;
export const runsByOrgPk = (orgId: string) => `ORG#${orgId}#RUNS`;
export const runsBySyncPk = (orgId: string, syncId: string) => `ORG#${orgId}#SYNC#${syncId}#RUNS`;
export const auditPk = (orgId: string) => `ORG#${orgId}#AUDIT`;
export const dlqPk = (orgId: string) => `ORG#${orgId}#DLQ`;
export const replaysPk = (orgId: string) => `ORG#${orgId}#REPLAYS`;
export const webhooksPk = (orgId: string) => `ORG#${orgId}#WEBHOOKS`;
export const deliveriesPk = (orgId: string, webhookId: string) => `ORG#${orgId}#HOOK#${webhookId}#DELIVERIES`;

export const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export const isConditionFailure = (error: unknown) =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/** Runs a conditional write: true when it happened, false when its condition did not hold. */
export async function conditionalWrite(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
