import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { ProducerRecord } from '#client/push-records.ts';

const CITIES = ['Lisbon', 'Berlin', 'Austin', 'Osaka', 'Lagos', 'Lima', 'Oslo', 'Pune'];

/** A deterministic record with a ~300-byte payload (FACTS.md's measurement shape). */
export function benchRecord(i: number): ProducerRecord {
  const rejected = i % 12 === 0;
  return {
    identifier: `user-${i}@example.com`,
    payload: {
      email: `user-${i}@example.com`,
      first_name: `First${i % 997}`,
      last_name: `Last${i % 991}`,
      city: CITIES[i % CITIES.length],
      country: 'PT',
      ltv: Math.round((i % 5000) * 1.37 * 100) / 100,
      orders: i % 37,
      consent: i % 3 !== 0,
      segment: `seg-${i % 17}`,
      created_at: new Date(1_700_000_000_000 + i * 60_000).toISOString(),
      tags: ['vip', `cohort-${i % 9}`],
    },
    status: rejected ? 'rejected' : 'succeeded',
    ...(rejected ? { statusMessage: 'Invalid email format' } : {}),
  };
}

export function* benchRecords(from: number, count: number): Iterable<ProducerRecord> {
  for (let i = from; i < from + count; i += 1) yield benchRecord(i);
}

/** The same records as NDJSON on disk: the upload's body and DuckDB's input. */
export async function writeNdjson(path: string, from: number, count: number): Promise<void> {
  const out = createWriteStream(path);
  for (const record of benchRecords(from, count)) {
    if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
