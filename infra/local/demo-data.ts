/**
 * Demo data for the console: an org with audience, signal and entity syncs and two weeks of
 * runs, posted through the public API exactly as a producer would. `npm run demo` loads it
 * into a running `npm start`; the browser tests load it into their own stack.
 */

interface Record_ {
  identifier: string | null;
  payload: Record<string, unknown>;
  status: string;
  statusMessage?: string;
  operation?: string;
  targetId?: string;
  entityType?: string;
  eventDate?: string;
  final?: boolean;
}

interface DemoSync {
  syncId: string;
  config: Record<string, unknown>;
  /** Alert rules, set before any run (`PUT /v1/syncs/{syncId}/alerts`). */
  alerts?: unknown[];
  /** Records for the run `daysAgo` days back; `error` makes the whole run fail; `sourceCount` is the rows the producer extracted. */
  run(daysAgo: number, random: () => number, day: Date): { records: Record_[]; error?: string; itemsTotal?: number; sourceCount?: number };
}

/** mulberry32: the same demo every time. */
function seeded(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['ana', 'bob', 'chen', 'dara', 'eli', 'fatima', 'gus', 'hana', 'ivan', 'jo', 'kai', 'lena', 'mo', 'nia', 'omar', 'pia', 'quinn', 'rui', 'sara', 'tom'];

function audienceRecords(count: number, random: () => number, rejectRate: number, reasons: string[]): Record_[] {
  const records: Record_[] = [];
  for (let i = 0; i < count; i += 1) {
    const name = `${FIRST[i % FIRST.length]}${Math.floor(i / FIRST.length) || ''}`;
    const roll = random();
    if (roll < 0.03) {
      records.push({ identifier: null, payload: { email: null, ltv: Math.round(random() * 2000) }, status: 'succeeded' });
      continue;
    }
    const rejected = roll < 0.03 + rejectRate;
    const email = rejected && random() < 0.6 ? `${name}@example` : `${name}@example.com`;
    records.push({
      identifier: email,
      payload: { email, ltv: Math.round(random() * 2000), country: random() < 0.5 ? 'PT' : 'DE' },
      status: rejected ? 'rejected' : 'succeeded',
      ...(rejected ? { statusMessage: email.endsWith('.com') ? reasons[Math.floor(random() * reasons.length)]! : 'Invalid email format', final: random() < 0.3 } : {}),
    });
  }
  // One identifier sent twice in a batch: SyncTrail marks the second DUPLICATE.
  const twice = records.find((r) => r.identifier && r.status === 'succeeded');
  if (twice) records.splice(4, 0, { ...twice, payload: { ...twice.payload, note: 'sent twice' } });
  return records;
}

function entityRecords(entityType: string, count: number, random: () => number, day: number): Record_[] {
  const records: Record_[] = [];
  for (let i = 0; i < count; i += 1) {
    const roll = random();
    const status = roll < 0.08 ? 'failed' : roll < 0.14 ? 'partial success' : roll < 0.16 ? 'extraction failed' : roll < 0.5 ? 'completed' : 'success';
    const sourceId = `${entityType.toUpperCase()}-${10_000 + day * 100 + i}`;
    const message =
      status === 'failed'
        ? random() < 0.5
          ? 'Field "title" is required'
          : '429 Too Many Requests: rate limit exceeded'
        : status === 'partial success'
          ? 'Image sync: 1 of 3 images could not be downloaded'
          : status === 'extraction failed'
            ? 'Source record does not exist'
            : undefined;
    records.push({
      identifier: sourceId,
      payload: { sourceId, title: `${entityType} ${i}`, price: Math.round(random() * 10_000) / 100 },
      status,
      operation: random() < 0.3 ? 'create' : 'update',
      entityType,
      ...(status === 'failed' || status === 'extraction failed' ? {} : { targetId: `gid://shop/${entityType}/${900_000 + day * 100 + i}` }),
      ...(message ? { statusMessage: message } : {}),
      ...(status === 'failed' ? { final: random() < 0.4 } : {}),
    });
  }
  return records;
}

/**
 * Today's run of a pipeline that was still working when it reported: every seventh record in
 * progress or extracting, and the first two of them reported again as done at the end (a later
 * record of the same id supersedes the in-flight one). The run completes with the rest still
 * in flight, and says so.
 */
function stillWorking(records: Record_[]): Record_[] {
  const inFlight: Record_[] = [];
  const reported = records.map((record, i) => {
    if (i % 7 !== 3) return record;
    const { targetId: _targetId, statusMessage: _message, final: _final, ...rest } = record;
    inFlight.push(rest);
    return { ...rest, status: i % 2 ? 'in progress' : 'extracting' };
  });
  const done = inFlight.slice(0, 2).map(({ statusMessage: _message, final: _final, ...rest }) => ({ ...rest, status: 'success', targetId: `gid://shop/${rest.entityType}/${rest.identifier}` }));
  return [...reported, ...done];
}

const DEMO_SYNCS: DemoSync[] = [
  {
    syncId: 'hv-customers-meta',
    config: {
      name: 'High-value customers',
      syncType: 'audience',
      operation: 'upsert',
      source: { id: 'seg-42', type: 'DataWarehouse::FilterSegmentSource', name: 'High value', filterSegmentId: '42' },
      destination: { id: 'meta-main', name: 'Meta Ads — Main Account', connectionType: 'Meta Ads' },
      destinationObject: { id: 'aud-7', type: 'Meta Ads::ObjectTypes::Custom Audience', name: 'HV customers' },
    },
    run: (daysAgo, random) =>
      daysAgo === 4
        ? { records: [], error: 'OAuth token expired: re-authorize the Meta Ads connection', itemsTotal: 60 }
        : { records: audienceRecords(60, random, daysAgo === 1 ? 0.12 : 0.04, ['Missing required field: country', 'User is not eligible for this audience']) },
  },
  {
    syncId: 'hv-customers-google',
    config: {
      name: 'High-value customers',
      syncType: 'audience',
      operation: 'upsert',
      source: { id: 'seg-42', type: 'DataWarehouse::FilterSegmentSource', name: 'High value', filterSegmentId: '42' },
      destination: { id: 'gads-main', name: 'Google Ads — Main Account', connectionType: 'Google Ads' },
      destinationObject: { id: 'ul-3', type: 'Google Ads::ObjectTypes::Customer Match List', name: 'HV customers' },
    },
    // Every run reconciles with the warehouse's row count, until today's: the sync "completes"
    // after 12 of its 51 rows, which the volume anomaly and unaccounted rules catch.
    alerts: [{ type: 'run_error' }, { type: 'volume_anomaly', drop: 0.5, spike: 3, runs: 7 }, { type: 'unaccounted', above: 0 }],
    run: (daysAgo, random) => {
      const records = audienceRecords(50, random, 0.01, ['Invalid email format']);
      return { records: daysAgo === 0 ? records.slice(0, 12) : records, sourceCount: records.length };
    },
  },
  {
    syncId: 'purchases-capi',
    // A daily sync watched for runs that do not come, run long, or push stale events.
    alerts: [{ type: 'missed_run', everyHours: 24 }, { type: 'slow_run', aboveMinutes: 30 }, { type: 'freshness', maxAgeHours: 26 }],
    config: {
      name: 'Purchases',
      syncType: 'signal',
      operation: 'append',
      coverageThreshold: 0.95,
      source: { id: 'mdl-9', type: 'DataWarehouse::Query', name: 'Purchases model', modelId: '9' },
      destination: { id: 'meta-capi', name: 'Meta Ads — Conversions API', connectionType: 'Meta Ads' },
      destinationObject: { id: 'px-1', type: 'Meta Ads::ObjectTypes::Pixel', name: 'Web pixel' },
    },
    run: (daysAgo, random, day) => {
      if (daysAgo === 2) return { records: [], error: '503 Service Unavailable from graph.facebook.com', itemsTotal: 40 };
      return {
        records: Array.from({ length: 40 }, (_unused, i) => {
          const failed = random() < 0.08;
          const eventDate = new Date(day.getTime() - (40 - i) * 60_000).toISOString();
          return {
            identifier: `order-${day.getUTCDate()}-${i}`,
            payload: { orderId: `order-${day.getUTCDate()}-${i}`, value: Math.round(random() * 300), currency: 'EUR' },
            status: failed ? 'rejected' : 'succeeded',
            eventDate,
            ...(failed ? { statusMessage: 'event_time is too far in the past' } : {}),
          };
        }),
      };
    },
  },
  {
    syncId: 'items-to-shopify',
    config: {
      name: 'Items to Shopify',
      syncType: 'entity',
      entityType: 'item',
      instance: 'erp-to-shopify',
      operation: 'upsert',
      source: { id: 'erp-items', type: 'DataWarehouse::BusinessObjectSource', name: 'ERP items', businessObjectId: 'items' },
      destination: { id: 'shopify-eu', name: 'Shopify — EU store', connectionType: 'Shopify' },
      destinationObject: { id: 'products', type: 'Shopify::ObjectTypes::Product', name: 'Products' },
    },
    run: (daysAgo, random) => ({ records: daysAgo === 0 ? stillWorking(entityRecords('item', 30, random, daysAgo)) : entityRecords('item', 30, random, daysAgo) }),
  },
  {
    syncId: 'partners-to-shopify',
    config: {
      name: 'Business partners to Shopify',
      syncType: 'entity',
      entityType: 'bp',
      instance: 'erp-to-shopify',
      operation: 'upsert',
      source: { id: 'erp-bp', type: 'DataWarehouse::BusinessObjectSource', name: 'ERP business partners', businessObjectId: 'bp' },
      destination: { id: 'shopify-eu', name: 'Shopify — EU store', connectionType: 'Shopify' },
      destinationObject: { id: 'customers', type: 'Shopify::ObjectTypes::Customer', name: 'Customers' },
    },
    run: (daysAgo, random) => ({ records: entityRecords('bp', 20, random, daysAgo) }),
  },
];

export interface DemoResult {
  orgId: string;
  adminKey: string;
  syncs: number;
  runs: number;
}

/** How many days of daily runs each sync gets. */
export const DEMO_DAYS = 8;

/**
 * Loads the demo into a running SyncTrail: creates `orgId` with the root key, then the
 * syncs, then one run a day per sync (newest yesterday and today), completed like a producer does.
 */
export async function loadDemo(
  baseUrl: string,
  rootKey: string,
  options: {
    orgId?: string;
    now?: Date;
    /** Moves the server's clock to when each step would have happened, so runs read like real history. */
    setClock?: (at: Date) => void;
  } = {},
): Promise<DemoResult> {
  const orgId = options.orgId ?? 'demo';
  const now = options.now ?? new Date();
  const at = (date: Date) => options.setClock?.(date);
  at(new Date(now.getTime() - DEMO_DAYS * 86_400_000));
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  const org = await call('POST', '/v1/orgs', rootKey, { orgId, name: 'Demo Inc.' });
  const adminKey: string = org.adminKey;
  const { key } = await call('POST', '/v1/keys', adminKey, { scopes: ['ingest', 'read'], label: 'demo producer' });
  const random = seeded(42);
  let runs = 0;
  for (const sync of DEMO_SYNCS) {
    await call('PUT', `/v1/syncs/${sync.syncId}`, key, sync.config);
    if (sync.alerts) await call('PUT', `/v1/syncs/${sync.syncId}/alerts`, adminKey, { rules: sync.alerts });
  }
  for (const sync of DEMO_SYNCS) {
    for (let daysAgo = DEMO_DAYS - 1; daysAgo >= 0; daysAgo -= 1) {
      // Each run starts at the same time of day, the newest ten minutes ago: all of it in the past.
      const day = new Date(Math.floor((now.getTime() - 10 * 60_000 - daysAgo * 86_400_000) / 60_000) * 60_000);
      const runId = `${sync.syncId}-${day.toISOString().slice(0, 10)}`;
      const plan = sync.run(daysAgo, random, day);
      at(day);
      await call('POST', `/v1/syncs/${sync.syncId}/runs`, key, {
        runId,
        startedAt: day.toISOString(),
        correlationId: `corr-${day.toISOString().slice(0, 10)}-${sync.syncId.slice(0, 5)}`,
      });
      const batchSize = 25;
      for (let i = 0; i * batchSize < plan.records.length; i += 1) {
        at(new Date(day.getTime() + i * 4_000 + 3_500));
        await call('POST', `/v1/runs/${runId}/batches`, key, {
          batchType: 'records_updated',
          batchNumber: i,
          startedAt: new Date(day.getTime() + i * 4_000).toISOString(),
          endedAt: new Date(day.getTime() + i * 4_000 + 3_000).toISOString(),
          records: plan.records.slice(i * batchSize, (i + 1) * batchSize),
        });
      }
      // Today's run of the first sync stays open, so the console shows one running.
      if (daysAgo === 0 && sync === DEMO_SYNCS[0]) {
        runs += 1;
        continue;
      }
      at(new Date(day.getTime() + 5 * 60_000));
      const counted = plan.sourceCount === undefined ? {} : { sourceCount: plan.sourceCount };
      await call('POST', `/v1/runs/${runId}/complete`, key, plan.error ? { status: 'error', statusMessage: plan.error, itemsTotal: plan.itemsTotal, ...counted } : counted);
      runs += 1;
    }
  }
  at(now);
  return { orgId, adminKey, syncs: DEMO_SYNCS.length, runs };
}
