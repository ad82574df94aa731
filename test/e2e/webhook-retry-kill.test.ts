import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepStuckDeliveries } from '#domain/webhooks.ts';
import { freePort } from '../support/crash-harness.ts';
import { apiClient, createOrgWithKeys, ROOT_KEY, startTestStack, type TestStack } from '../support/local-stack.ts';
import { npmStart, stop, type Started } from '../support/npm-start.ts';
import { startReceiver } from '../support/receiver.ts';

/** Polls until `done` holds, for at most `ms`. */
async function until(done: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A test-send's queued retries run in the server (local mode) or the delivery function (AWS):
 * killed between two attempts, nothing runs them again. The scheduled sweep takes them over
 * once the dead run's hold and the grace period have passed, and goes on from the next attempt.
 */
describe('queued webhook retries after the process running them is killed', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'synctrail-retry-kill-'));
  const dataDir = join(tmp, 'data');
  let started: Started | undefined;
  let stack: TestStack | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

  afterAll(async () => {
    if (started) await stop(started, 'SIGKILL');
    await stack?.stop({ keepData: true });
    await receiver?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('are taken over by the sweep from the attempt after the last logged one, and delivered once', async () => {
    // Arrange: npm start; a receiver that answers 503 twice, then 200
    started = await npmStart({ PORT: String(await freePort()), SYNCTRAIL_DATA_DIR: dataDir, SYNCTRAIL_ROOT_KEY: ROOT_KEY });
    const api = apiClient(started.url);
    const org = await createOrgWithKeys(api, 'acme');
    receiver = await startReceiver([503, 503]);
    const hook = (await api.post('/v1/webhooks', org.adminKey, { url: receiver.url })).body;

    // Act: the test-send's first attempt fails; the server runs the second (after ~1 s) and is
    // killed while it waits ~5 s for the third
    const sent = await api.post(`/v1/webhooks/${hook.webhookId}/test`, org.adminKey);
    expect(sent.body).toMatchObject({ retriesQueued: true, state: 'retrying', attempt: { status: 503 } });
    await until(() => receiver!.received.length === 2, 10_000);
    await until(async () => (await api.get(`/v1/webhooks/${hook.webhookId}/deliveries`, org.adminKey)).body.items[0].attempts.length === 2, 5_000);
    process.kill(-started.child.pid!, 'SIGKILL');
    await started.closed;
    started = undefined;

    // Assert: the same data folder, served again; the delivery is still retrying with two attempts
    stack = await startTestStack({ dataDir });
    const again = apiClient(stack.url);
    const entry = async () => (await again.get(`/v1/webhooks/${hook.webhookId}/deliveries`, org.adminKey)).body.items[0];
    expect(await entry()).toMatchObject({ deliveryId: sent.body.deliveryId, state: 'retrying', finishedAt: null });
    expect((await entry()).attempts.map((a: { status: number }) => a.status)).toEqual([503, 503]);
    // Within the grace period (longer than the dead run's hold), nobody takes over
    expect(await sweepStuckDeliveries(stack.deps)).toEqual({ requeued: 0 });

    // Past the hold and the grace period: taken over once, from attempt 3, delivered
    stack.clock.advanceMs(16 * 60_000);
    expect(await sweepStuckDeliveries(stack.deps)).toEqual({ requeued: 1 });
    await stack.idle();
    expect(await entry()).toMatchObject({ state: 'delivered', detail: null, finishedAt: expect.any(String) });
    expect((await entry()).attempts.map((a: { status: number }) => a.status)).toEqual([503, 503, 200]);
    expect(receiver.received.map((r) => r.headers['synctrail-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(receiver.received.map((r) => r.headers['synctrail-delivery-id']))).toEqual(new Set([sent.body.deliveryId]));
    expect(await sweepStuckDeliveries(stack.deps)).toEqual({ requeued: 0 });
  }, 120_000);
});
