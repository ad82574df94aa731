import type { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { PUT_EVENTS_MAX_BYTES, PUT_EVENTS_MAX_ENTRIES, putEvents } from '#adapters/event-bus.ts';

/** A bus that records each PutEvents call and refuses the entries whose detail says `refuse`, or throws on call `failCall`. */
function fakeBus(options: { failCall?: number } = {}) {
  const calls: Array<Array<{ Detail?: string }>> = [];
  const client = {
    async send(command: PutEventsCommand) {
      const entries = command.input.Entries ?? [];
      calls.push(entries);
      if (calls.length === options.failCall) throw new Error('socket hang up');
      const answers = entries.map((entry) => (entry.Detail?.includes('refuse') ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' } : { EventId: 'e' }));
      return { FailedEntryCount: answers.filter((a) => 'ErrorCode' in a).length, Entries: answers };
    },
  } as unknown as EventBridgeClient;
  return { client, calls };
}

const entry = (detail: unknown) => ({ bus: 'b', source: 'synctrail', detailType: 'SyncTrail DLQ Replay', detail });

describe('putEvents', () => {
  it('sends at most 10 entries a call, in order', async () => {
    const bus = fakeBus();
    const result = await putEvents(bus.client, Array.from({ length: 23 }, (_, i) => entry({ n: i })), 'replay event');
    expect(bus.calls.map((call) => call.length)).toEqual([PUT_EVENTS_MAX_ENTRIES, PUT_EVENTS_MAX_ENTRIES, 3]);
    expect(bus.calls.flat().map((e) => JSON.parse(e.Detail!).n)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(result).toEqual({ sent: Array(23).fill(true) });
  });

  it('keeps each call under 256 KB', async () => {
    const bus = fakeBus();
    await putEvents(bus.client, Array.from({ length: 10 }, () => entry({ blob: 'x'.repeat(64 * 1024) })), 'replay event');
    expect(bus.calls.length).toBeGreaterThan(1);
    for (const call of bus.calls) expect(call.reduce((sum, e) => sum + Buffer.byteLength(e.Detail!) + 14 + 9 + 20, 0)).toBeLessThanOrEqual(PUT_EVENTS_MAX_BYTES);
  });

  it('marks a refused entry unsent and stops after its call', async () => {
    const bus = fakeBus();
    const result = await putEvents(bus.client, [...Array.from({ length: 12 }, (_, i) => entry({ n: i })), entry({ refuse: true }), ...Array.from({ length: 10 }, (_, i) => entry({ m: i }))], 'replay event');
    expect(bus.calls).toHaveLength(2);
    // The second call held entries 10 to 19: all but the refused one went out; 20 to 22 were never sent.
    expect(result.sent).toEqual([...Array(12).fill(true), false, ...Array(7).fill(true), false, false, false]);
    expect(String(result.error)).toMatch(/refused 1 replay event.*ThrottlingException/);
  });

  it('marks a failed call unsent, whole, and never throws', async () => {
    const bus = fakeBus({ failCall: 2 });
    const result = await putEvents(bus.client, Array.from({ length: 25 }, (_, i) => entry({ n: i })), 'replay event');
    expect(result.sent).toEqual([...Array(10).fill(true), ...Array(15).fill(false)]);
    expect(String(result.error)).toMatch(/socket hang up/);
  });
});
