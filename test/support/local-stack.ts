import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '#domain/ports.ts';
import { startLocalStack, type LocalStack } from '../../infra/local/local-stack.ts';

export const ROOT_KEY = 'str_test-root-key-0123456789';

/**
 * A clock tests can move: starts at the real time and ticks one millisecond per reading,
 * so events keep their order as with a real clock, and jumps when told.
 */
export class TestClock implements Clock {
  private current: number;

  constructor(start = Date.now()) {
    this.current = start;
  }

  now(): Date {
    this.current += 1;
    return new Date(this.current);
  }

  advanceDays(days: number): void {
    this.current += days * 86_400_000;
  }

  advanceMs(ms: number): void {
    this.current += ms;
  }
}

export interface TestStack extends LocalStack {
  clock: TestClock;
  dataDir: string;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export async function startTestStack(options: { dataDir?: string; retentionDays?: number; historyRetentionDays?: number; webhookRetryDelaysMs?: number[] } = {}): Promise<TestStack> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'synctrail-test-'));
  const clock = new TestClock();
  const stack = await startLocalStack({
    dataDir,
    port: 0,
    rootKey: ROOT_KEY,
    clock,
    ...(options.retentionDays ? { retentionDays: options.retentionDays } : {}),
    ...(options.historyRetentionDays ? { historyRetentionDays: options.historyRetentionDays } : {}),
    // Tests do not wait 36 s for a receiver that keeps failing.
    webhookRetryDelaysMs: options.webhookRetryDelaysMs ?? [20, 40, 80],
  });
  return {
    ...stack,
    clock,
    dataDir,
    async stop({ keepData = false } = {}) {
      await stack.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A small client for the local API: JSON in, JSON out, bearer key. */
export function apiClient(baseUrl: string) {
  async function call<T = any>(method: string, path: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResult<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }
  return {
    call,
    get: <T = any>(path: string, key?: string) => call<T>('GET', path, key),
    post: <T = any>(path: string, key: string | undefined, body?: unknown) => call<T>('POST', path, key, body),
    put: <T = any>(path: string, key: string | undefined, body?: unknown) => call<T>('PUT', path, key, body),
    del: <T = any>(path: string, key?: string) => call<T>('DELETE', path, key),
  };
}

export type Api = ReturnType<typeof apiClient>;

/** An org with an admin key and an ingest+read key. */
export async function createOrgWithKeys(api: Api, orgId: string) {
  const org = await api.post('/v1/orgs', ROOT_KEY, { orgId, name: `${orgId} Inc.` });
  if (org.status !== 201) throw new Error(`org ${orgId}: ${org.status} ${JSON.stringify(org.body)}`);
  const key = await api.post('/v1/keys', org.body.adminKey, { scopes: ['ingest', 'read'], label: 'producer' });
  return { orgId, adminKey: org.body.adminKey as string, key: key.body.key as string, keyId: key.body.keyId as string };
}
