import { describe, expect, it } from 'vitest';
import { coverageVerdict, freshnessVerdict, runVerdict } from '#domain/alerts.ts';
import { isRetryable, signatureHeader } from '#domain/webhooks.ts';
import { isPrivateAddress, webhookTargetPolicy } from '#adapters/webhook-sender.ts';

describe('webhook signatures', () => {
  it('match a vector computed independently (openssl dgst -sha256 -hmac)', () => {
    // printf '%s' '1700000000.{"id":"evt_1","type":"webhook.test"}' | openssl dgst -sha256 -hmac 'whsec_test'
    expect(signatureHeader('whsec_test', 1700000000, '{"id":"evt_1","type":"webhook.test"}')).toBe(
      't=1700000000,v1=684fbc8999ff13aa332102c10e23ad56af8cb3b34c5d3bcba8bf53317e5f6c33',
    );
  });

  it('change with the secret, the timestamp and every byte of the body', () => {
    const base = signatureHeader('s', 1, '{}');
    expect(signatureHeader('t', 1, '{}')).not.toBe(base);
    expect(signatureHeader('s', 2, '{}')).not.toBe(base);
    expect(signatureHeader('s', 1, '{ }')).not.toBe(base);
  });
});

describe('delivery retries', () => {
  it('retry what may pass (no answer, 408, 429, 5xx) and give up on other answers', () => {
    const attempt = (status: number | null) => ({ at: '', ms: 0, status, error: 'x' });
    expect([null, 408, 429, 500, 503].map((s) => isRetryable(attempt(s)))).toEqual([true, true, true, true, true]);
    expect([400, 401, 404, 410, 301].map((s) => isRetryable(attempt(s)))).toEqual([false, false, false, false, false]);
  });
});

describe('webhook targets', () => {
  it('know private, loopback, link-local and mapped addresses from public ones', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '0.0.0.0']) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
    for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '172.32.0.1']) expect(isPrivateAddress(ip), ip).toBe(false);
  });

  it('refuse literal private hosts and localhost in AWS, and allow them in local mode', () => {
    const aws = webhookTargetPolicy(false);
    expect(aws.allows(new URL('http://localhost:8080/hook'))).toBe(false);
    expect(aws.allows(new URL('http://169.254.169.254/latest'))).toBe(false);
    expect(aws.allows(new URL('https://[::1]/x'))).toBe(false);
    expect(aws.allows(new URL('https://hooks.example.com/synctrail'))).toBe(true);
    expect(webhookTargetPolicy(true).allows(new URL('http://127.0.0.1:9000/'))).toBe(true);
  });
});

describe('alert verdicts', () => {
  const run = (status: 'complete' | 'partial_complete' | 'error', itemsTotal: number, itemsFailed: number) => ({ runId: 'r', status, itemsTotal, itemsFailed, statusMessage: status === 'error' ? 'boom' : undefined });

  it('run_error is bad exactly when the run ended in error', () => {
    expect(runVerdict({ type: 'run_error' }, run('error', 10, 10))!.bad).toBe(true);
    expect(runVerdict({ type: 'run_error' }, run('partial_complete', 10, 9))!.bad).toBe(false);
  });

  it('failed_percent compares the failed share with the limit, strictly above', () => {
    expect(runVerdict({ type: 'failed_percent', above: 10 }, run('partial_complete', 100, 10))!.bad).toBe(false);
    expect(runVerdict({ type: 'failed_percent', above: 10 }, run('partial_complete', 100, 11))!.bad).toBe(true);
    // A run of no records says nothing about a share: no verdict, the state stays.
    expect(runVerdict({ type: 'failed_percent', above: 0 }, run('error', 0, 0))).toBeUndefined();
  });

  it('failed_percent leaves records still in progress at completion out of the failed share', () => {
    const counts = { received: 102, succeeded: 80, partial: 0, failed: 2, null: 0, duplicate: 0, inFlight: 20, superseded: 2 };
    // 102 received, 2 of them in-flight reports a later record superseded: 100 items, 80 processed,
    // 20 not processed, of which 18 are still in progress and 2 failed.
    const finished = { ...run('partial_complete', 100, 20), counts };
    const verdict = runVerdict({ type: 'failed_percent', above: 5 }, finished)!;
    expect(verdict.bad).toBe(false);
    expect(verdict.detail).toContain('failed 2 of 100 records (2.0%; limit 5%; 18 still in progress, not counted as failed)');
    // The same run ended in error fails every item, in flight or not.
    expect(runVerdict({ type: 'failed_percent', above: 5 }, { ...run('error', 100, 100), counts })!.bad).toBe(true);
    // Without in-flight records the share is Items Failed over Items Total, as before.
    expect(runVerdict({ type: 'failed_percent', above: 5 }, { ...run('partial_complete', 100, 20), counts: { ...counts, received: 100, failed: 20, inFlight: 0, superseded: 0 } })!.bad).toBe(true);
  });

  it('low_coverage needs the whole window below the threshold', () => {
    const rule = { type: 'low_coverage', below: 0.9, runs: 3 } as const;
    expect(coverageVerdict(rule, [0.5, 0.6, 0.7, 1])!.bad).toBe(true);
    expect(coverageVerdict(rule, [0.5, 0.95, 0.7])!.bad).toBe(false);
    expect(coverageVerdict(rule, [0.5, 0.6])!.bad).toBe(false); // not yet "consistently"
    // No finished run with a coverage rate: nothing to judge, the rule stays pending.
    expect(coverageVerdict(rule, [])).toBeUndefined();
  });

  it('low_coverage names the runs it looked at, not the window', () => {
    const rule = { type: 'low_coverage', below: 0.9, runs: 3 } as const;
    expect(coverageVerdict(rule, [0.5])!.detail).toBe('coverage of the last finished run: 50.0% (threshold 90.0% over 3 runs)');
    expect(coverageVerdict(rule, [0.5, 0.6])!.detail).toBe('coverage of the last 2 finished runs: 50.0%, 60.0% (threshold 90.0% over 3 runs)');
    expect(coverageVerdict({ ...rule, runs: 1 }, [0.5, 0.6])!.detail).toBe('coverage of the last finished run: 50.0% (threshold 90.0% over 1 run)');
  });

  it('freshness is bad when the newest event is older than the limit, or there is none', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    const rule = { type: 'freshness', maxAgeHours: 24 } as const;
    expect(freshnessVerdict(rule, '2026-11-22T13:00:00Z', now).bad).toBe(false);
    expect(freshnessVerdict(rule, '2026-11-22T11:00:00Z', now).bad).toBe(true);
    expect(freshnessVerdict(rule, undefined, now).bad).toBe(true);
  });
});
