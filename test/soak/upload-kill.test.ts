import { describe, expect, it } from 'vitest';
import {
  batchState,
  checkRunInvariants,
  complete,
  expectCrash,
  expectedOf,
  postBatch,
  putUpload,
  requestUpload,
  sleep,
  soakBatch,
  soakUpload,
  startRun,
  trace,
  uploadBatch,
  useSoakEnv,
  waitDone,
  type SoakUpload,
} from '../support/crash-harness.ts';

const env = useSoakEnv();

const BIG = 300_000;
/** Built once: 300,000 NDJSON records (~45 MB) with NULL and DUPLICATE identifiers and ~300 dead-letter items. */
let big: SoakUpload | undefined;
const bigUpload = () => (big ??= soakUpload(0, BIG, { finals: 1001, invalid: true }));

describe('a 300,000-record upload killed mid-conversion', () => {
  it('SYNCTRAIL_CRASH_AT=conversion.row-group: after the restart the conversion resumes by itself and completion counts all 300,000', async () => {
    // Arrange
    const upload = bigUpload();
    await env.start({ crashAt: 'conversion.row-group' });
    const run = await startRun(env.api);
    await uploadBatch(env.api, run, upload);
    await expectCrash(env.processes[0]!, { timeoutMs: 120_000, passedThePoint: async () => ((await batchState(env.api, run, upload.key))?.state === 'done' ? 'the upload was converted' : undefined) });
    trace('crashed after the first row group');
    // Act: the producer does nothing but wait.
    await env.restart();
    const converted = await waitDone(env.api, run, upload.key, 120_000);
    trace('converted again');
    const { body } = await complete(env.api, run);
    // Assert
    expect(converted).toMatchObject({ state: 'done', received: BIG, failed: upload.expected.failed });
    expect(body).toMatchObject({ itemsTotal: BIG, itemsProcessed: BIG - upload.expected.failed, batchCount: 1 });
    await checkRunInvariants(env.api, env.dataDir, run, expectedOf([upload]));
  });

  it('SIGKILL from outside at a random moment of the conversion: the same', async () => {
    // Arrange
    const upload = bigUpload();
    await env.start();
    const run = await startRun(env.api);
    await uploadBatch(env.api, run, upload);
    const delayMs = 300 + Math.floor(Math.random() * 2_200);
    await sleep(delayMs);
    const before = await batchState(env.api, run, upload.key);
    expect(before?.state, `the conversion was still going ${delayMs} ms after the PUT (else this kill tests nothing)`).not.toBe('done');
    await env.kill();
    trace(`killed ${delayMs} ms after the PUT, batch ${JSON.stringify(before?.phase)}`);
    // Act
    await env.restart();
    const converted = await waitDone(env.api, run, upload.key, 120_000);
    trace('converted again');
    const { body } = await complete(env.api, run);
    // Assert
    expect(converted).toMatchObject({ state: 'done', received: BIG, failed: upload.expected.failed });
    expect(body).toMatchObject({ itemsTotal: BIG, batchCount: 1 });
    await checkRunInvariants(env.api, env.dataDir, run, expectedOf([upload]));
  });
});

describe('a pre-signed URL issued before a restart', () => {
  it('takes the PUT after the restart; the upload converts and counts', async () => {
    // Arrange
    await env.start();
    const run = await startRun(env.api);
    const inline = soakBatch(0, 600, { finals: true, invalid: true });
    const upload = soakUpload(1, 20_000, { finals: 77, invalid: true });
    const posted = await postBatch(env.api, run, inline);
    expect(posted.ok && posted.result.status).toBe(200);
    const ticket = await requestUpload(env.api, run, upload);
    await env.kill();
    await env.restart();
    // Act
    await putUpload(ticket, upload);
    const converted = await waitDone(env.api, run, upload.key, 90_000);
    await complete(env.api, run);
    // Assert
    expect(converted).toMatchObject({ state: 'done', source: 'upload', received: upload.expected.received, failed: upload.expected.failed });
    await checkRunInvariants(env.api, env.dataDir, run, expectedOf([inline, upload]));
  });
});
