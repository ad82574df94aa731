import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditQuery } from '#domain/audit-entity.ts';
import type { Page } from '#domain/paging.ts';
import type { AuditLog } from '#domain/ports.ts';
import { decodeCursor, encodeCursor, forgedCursor } from './cursor.ts';
import { queryPaged } from './paged-query.ts';
import { auditPk } from './table.ts';

export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: auditPk(entry.orgId), sk: `${entry.at}#${entry.auditId}`, type: 'audit', ...entry },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async list(orgId: string, query: AuditQuery): Promise<Page<AuditEntry>> {
    const from = query.from ?? '0';
    const to = `${query.to ?? '9999'}#\uffff`;
    const values: Record<string, unknown> = { ':pk': auditPk(orgId), ':from': from, ':to': to };
    if (query.syncId) values[':syncId'] = query.syncId;
    let start: Record<string, unknown> | undefined;
    if (query.cursor) {
      const { k } = decodeCursor(query.cursor);
      // A position outside from..to came from a listing with other bounds.
      if (k < from || k > to) throw forgedCursor({ cursor: query.cursor });
      start = { pk: auditPk(orgId), sk: k };
    }
    const { items, lastKey } = await queryPaged(
      this.client,
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ...(query.syncId ? { FilterExpression: 'syncId = :syncId' } : {}),
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
      },
      query.limit,
      start,
    );
    return {
      items: items.map(({ pk, sk, type, ...entry }) => entry as unknown as AuditEntry),
      nextCursor: lastKey ? encodeCursor({ k: String(lastKey.sk) }) : null,
    };
  }
}
