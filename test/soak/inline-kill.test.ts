import { describe, expect, it } from 'vitest';
import {
  answerFor,
  checkRunInvariants,
  complete,
  expectedOf,
  postBatch,
  sleep,
  trace,
  soakBatch,
  startRun,
  useSoakEnv,
  type PostOutcome,
  type SoakBatch,
} from '../support/crash-harness.ts';

const env = useSoakEnv();

const BATCHES = 32;
const RECORDS = 1_500;

/** 32 batches of 1,500 records: half with dead-letter items, a third with NULL and DUPLICATE identifiers. */
const theBatches = (): SoakBatch[] => Array.from({ length: BATCHES }, (_, n) => soakBatch(n, RECORDS, { finals: n % 2 === 0, invalid: n % 3 === 0 }));

/**
 * Posts all batches at once and SIGKILLs the process from outside after a random number of
 * them (2..24) were answered, plus a random 0..60 ms: the rest are mid-write somewhere.
 */
async function postAndKill(batches: SoakBatch[], run: Parameters<typeof postBatch>[1]) {
  const killAfter = 2 + Math.floor(Math.random() * 23);
  const jitterMs = Math.floor(Math.random() * 61);
  let answered = 0;
  let killed: Promise<unknown> | undefined;
  const outcomes = await Promise.all(
    batches.map(async (b) => {
      const outcome = await postBatch(env.api, run, b);
      if (outcome.ok) answered += 1;
      if (answered >= killAfter && !killed) killed = sleep(jitterMs).then(() => env.kill());
      return outcome;
    }),
  );
  await killed;
  trace(`posted ${batches.length} batches, killed after ${killAfter} answers + ${jitterMs} ms`);
  const acked = batches.filter((_, i) => outcomes[i]!.ok && (outcomes[i] as Extract<PostOutcome, { ok: true }>).result.status === 200);
  const refused = outcomes.filter((o) => o.ok && o.result.status !== 200);
  return { killAfter, jitterMs, outcomes, acked, refused, cut: outcomes.filter((o) => !o.ok).length };
}

describe('SIGKILL while 32 inline batches are in flight', () => {
  it('restarted and completed without re-posting: every answered batch counts, files, counters and DLQ agree', async () => {
    // Arrange
    await env.start();
    const run = await startRun(env.api);
    const batches = theBatches();
    // Act
    const killed = await postAndKill(batches, run);
    const why = `killed after ${killed.killAfter} answers + ${killed.jitterMs} ms; ${killed.acked.length} answered 200, ${killed.cut} cut`;
    expect(killed.refused, `no batch is refused before the kill (${why})`).toEqual([]);
    expect(killed.cut, `the kill caught batches in flight (${why})`).toBeGreaterThan(0);
    await env.restart();
    const { recovery } = await complete(env.api, run);
    // Assert
    const facts = await checkRunInvariants(env.api, env.dataDir, run);
    // A 200 is a promise: every batch answered before the kill is counted, with the counts it was answered.
    const ackedKeys = killed.acked.map((b) => b.key);
    expect(ackedKeys.filter((k) => !facts.doneKeys.includes(k)), `batches answered 200 before the kill are counted (${why})`).toEqual([]);
    for (const b of killed.acked) {
      const state = facts.batches.find((x) => `${x.batchType}.${x.batchNumber}` === b.key);
      expect(state, b.key).toMatchObject({ state: 'done', received: b.expected.received, failed: b.expected.failed });
    }
    // Whatever else was counted was counted whole: only batches we sent, each with its own numbers.
    for (const key of facts.doneKeys) {
      const sent = batches.find((b) => b.key === key);
      expect(sent, `${key} was sent`).toBeDefined();
      expect(facts.files.get(key), `${key} rows`).toBe(sent!.expected.received);
    }
    if (recovery) {
      expect(recovery.rolledForward.filter((k) => !facts.doneKeys.includes(k)), 'rolled-forward batches are counted').toEqual([]);
      expect(recovery.abandoned.filter((k) => facts.doneKeys.includes(k)), 'abandoned batches are not counted').toEqual([]);
      expect(recovery.abandoned.filter((k) => ackedKeys.includes(k)), 'no batch answered 200 is abandoned').toEqual([]);
    }
  });

  it('restarted, every batch re-posted: each answers 200 and the run counts exactly what was sent', async () => {
    // Arrange
    await env.start();
    const run = await startRun(env.api);
    const batches = theBatches();
    const killed = await postAndKill(batches, run);
    const why = `killed after ${killed.killAfter} answers + ${killed.jitterMs} ms; ${killed.acked.length} answered 200, ${killed.cut} cut`;
    expect(killed.cut, `the kill caught batches in flight (${why})`).toBeGreaterThan(0);
    await env.restart();
    // Act: the producer retries everything, 8 at a time, with the same bodies.
    const retries: PostOutcome[] = [];
    for (let i = 0; i < batches.length; i += 8) {
      retries.push(...(await Promise.all(batches.slice(i, i + 8).map((b) => postBatch(env.api, run, b)))));
    }
    trace('re-posted every batch');
    await complete(env.api, run);
    // Assert
    const answers = retries.map((r, i) => (r.ok ? { key: batches[i]!.key, status: r.result.status, body: r.result.body } : { key: batches[i]!.key, error: r.error }));
    expect(answers.filter((a) => !('status' in a) || a.status !== 200), `every re-post answers 200 (${why})`).toEqual([]);
    for (const [i, b] of batches.entries()) {
      expect((retries[i] as Extract<PostOutcome, { ok: true }>).result.body, b.key).toMatchObject(answerFor(b));
    }
    // A batch answered before the kill is answered the same again.
    for (const b of killed.acked) {
      const before = (killed.outcomes[batches.indexOf(b)] as Extract<PostOutcome, { ok: true }>).result.body;
      expect((retries[batches.indexOf(b)] as Extract<PostOutcome, { ok: true }>).result.body, b.key).toEqual(before);
    }
    await checkRunInvariants(env.api, env.dataDir, run, expectedOf(batches));
  });
});
