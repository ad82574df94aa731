import { describe, expect, it } from 'vitest';
import { CRASH_POINTS } from '../../infra/local/crash-points.ts';
import {
  answerFor,
  batchState,
  checkRunInvariants,
  complete,
  expectCrash,
  expectedOf,
  postBatch,
  resendUpload,
  soakBatch,
  soakUpload,
  startRun,
  trace,
  uploadBatch,
  useSoakEnv,
  waitDone,
  type PostOutcome,
  type SoakBatch,
  type SoakRun,
} from '../support/crash-harness.ts';

const env = useSoakEnv();

const ok = (outcome: PostOutcome) => (outcome.ok ? outcome.result : undefined);

/** Six inline batches of 600 records, each with dead-letter items; every other one with NULL and DUPLICATE identifiers. */
const inlineBatches = (): SoakBatch[] => Array.from({ length: 6 }, (_, n) => soakBatch(n, 600, { finals: true, invalid: n % 2 === 0 }));

/** Posts batches one after another until one is cut off by the crash. */
async function postUntilCrash(run: SoakRun, batches: SoakBatch[]) {
  const answers: PostOutcome[] = [];
  for (const b of batches) {
    const outcome = await postBatch(env.api, run, b);
    answers.push(outcome);
    if (!outcome.ok) break;
    expect(outcome.result.status, `${b.key}: ${JSON.stringify(outcome.result.body)}`).toBe(200);
  }
  return answers;
}

/** The re-post of every batch after the restart: each answers 200, as it was (or would have been) answered. */
async function repostAll(run: SoakRun, batches: SoakBatch[], before: PostOutcome[]) {
  for (const [i, b] of batches.entries()) {
    const outcome = await postBatch(env.api, run, b);
    expect(outcome.ok ? { status: outcome.result.status, body: outcome.result.body } : outcome, `re-post of ${b.key}`).toMatchObject({ status: 200, body: answerFor(b) });
    const earlier = before[i] && ok(before[i]!);
    if (earlier) expect(ok(outcome)!.body, `${b.key} answered the same as before the crash`).toEqual(earlier.body);
  }
  trace('re-posted every batch');
}

const INLINE_POINTS = [
  // The third batch's claim is stored, its file not: nothing of it can be counted until the producer sends it again.
  { point: 'batch.claimed', crashedBatchCounted: false },
  // Its file is stored whole, not counted: recovery counts it (rolls it forward).
  { point: 'batch.file-written', crashedBatchCounted: true },
  // It is counted, its dead-letter items not written yet: recovery writes them, once.
  { point: 'batch.counted', crashedBatchCounted: true },
  // Its file and dead-letter items are stored, the batch's bookkeeping not finished: counted, items once.
  { point: 'batch.dlq-written', crashedBatchCounted: true },
];
const CONVERSION_POINTS = [
  // The upload's rows are staged locally, the batch not yet claimed.
  { point: 'conversion.staged' },
  // Mid-conversion, nothing recorded: the native writer (local mode's default) has written its
  // local file; the reference path has staged its first 10,000-row group, 15,000 rows to go.
  { point: 'conversion.row-group' },
];

it('covers every crash point local mode has', () => {
  expect([...INLINE_POINTS, ...CONVERSION_POINTS].map((p) => p.point).sort()).toEqual([...CRASH_POINTS].sort());
});

describe.each(INLINE_POINTS)('SYNCTRAIL_CRASH_AT=$point@3 (the third inline batch)', ({ point, crashedBatchCounted }) => {
  it(`restarted and completed without re-posting: batches 0 and 1 count, batch 2 ${crashedBatchCounted ? 'is rolled forward' : 'is abandoned'}`, async () => {
    // Arrange
    await env.start({ crashAt: `${point}@3` });
    const run = await startRun(env.api);
    const batches = inlineBatches();
    // Act
    const answers = await postUntilCrash(run, batches);
    expect(answers.map((a) => a.ok), 'batches 0 and 1 answered, batch 2 cut off by the crash').toEqual([true, true, false]);
    await expectCrash(env.processes[0]!, { timeoutMs: 10_000 });
    await env.restart();
    const { recovery } = await complete(env.api, run);
    // Assert
    const counted = crashedBatchCounted ? batches.slice(0, 3) : batches.slice(0, 2);
    await checkRunInvariants(env.api, env.dataDir, run, expectedOf(counted));
    // Recovery may have happened before completion (at start); when completion did it, it says so correctly.
    if (recovery) expect(recovery[crashedBatchCounted ? 'abandoned' : 'rolledForward'], 'recovery does not misreport the crashed batch').not.toContain('records_updated.2');
  });

  it('restarted, every batch re-posted: each answers 200 and the run counts exactly what was sent', async () => {
    // Arrange
    await env.start({ crashAt: `${point}@3` });
    const run = await startRun(env.api);
    const batches = inlineBatches();
    const answers = await postUntilCrash(run, batches);
    expect(answers.map((a) => a.ok), 'batches 0 and 1 answered, batch 2 cut off by the crash').toEqual([true, true, false]);
    await expectCrash(env.processes[0]!, { timeoutMs: 10_000 });
    await env.restart();
    // Act
    await repostAll(run, batches, answers);
    await complete(env.api, run);
    // Assert
    await checkRunInvariants(env.api, env.dataDir, run, expectedOf(batches));
  });
});

describe.each(CONVERSION_POINTS)('SYNCTRAIL_CRASH_AT=$point (a 25,000-record upload after two inline batches)', ({ point }) => {
  const setUp = async () => {
    await env.start({ crashAt: point });
    const run = await startRun(env.api);
    const batches = [soakBatch(0, 600, { finals: true, invalid: true }), soakBatch(1, 600, { finals: true })];
    const answers = await postUntilCrash(run, batches);
    expect(answers.map((a) => a.ok), 'the inline batches do not reach a conversion crash point').toEqual([true, true]);
    const upload = soakUpload(2, 25_000, { finals: 77, invalid: true });
    await uploadBatch(env.api, run, upload);
    await expectCrash(env.processes[0]!, { passedThePoint: async () => ((await batchState(env.api, run, upload.key))?.state === 'done' ? 'the upload was converted' : undefined) });
    await env.restart();
    return { run, batches, answers, upload };
  };

  it('restarted, the producer does nothing: the conversion resumes by itself and completion counts everything', async () => {
    // Arrange
    const { run, batches, upload } = await setUp();
    // Act
    const converted = await waitDone(env.api, run, upload.key, 90_000);
    trace('upload converted again');
    await complete(env.api, run);
    // Assert
    expect(converted).toMatchObject({ state: 'done', source: 'upload', received: upload.expected.received, failed: upload.expected.failed });
    await checkRunInvariants(env.api, env.dataDir, run, expectedOf([...batches, upload]));
  });

  it('restarted, the producer sends everything again: counted once', async () => {
    // Arrange
    const { run, batches, answers, upload } = await setUp();
    // Act
    await repostAll(run, batches, answers);
    const how = await resendUpload(env.api, run, upload);
    trace(`upload sent again: ${how}`);
    await waitDone(env.api, run, upload.key, 90_000);
    await complete(env.api, run);
    // Assert
    await checkRunInvariants(env.api, env.dataDir, run, expectedOf([...batches, upload]));
  });
});
