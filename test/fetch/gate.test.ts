/**
 * The rate gate on a virtual clock (time advances only when every waiter sleeps), so pacing is
 * checked exactly rather than with timers: even spacing, the sliding one-second window, and one
 * shared pause for all workers.
 */
import { describe, expect, it } from 'vitest';
import { RateGate, type Clock } from '../../src/fetch/gate.js';
import { progressOn } from '../../src/effects/progress.js';
import { PassThrough } from 'node:stream';

/** A clock whose time jumps to the earliest pending wake-up once the event loop is idle. */
function virtualClock(): Clock & { t: number } {
  const sleepers: { at: number; wake: () => void }[] = [];
  let scheduled = false;
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep(ms: number): Promise<void> {
      return new Promise<void>((wake) => {
        sleepers.push({ at: clock.t + ms, wake });
        if (!scheduled) {
          scheduled = true;
          setImmediate(advance);
        }
      });
    },
  };
  function advance(): void {
    scheduled = false;
    sleepers.sort((a, b) => a.at - b.at);
    const next = sleepers.shift();
    if (next === undefined) return;
    clock.t = Math.max(clock.t, next.at);
    next.wake();
    if (sleepers.length > 0) {
      scheduled = true;
      setImmediate(advance);
    }
  }
  return clock;
}

async function workers(gate: RateGate, clock: Clock, count: number, each: number, onSend: (t: number) => void): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async () => {
      for (let i = 0; i < each; i++) {
        await gate.acquire();
        onSend(clock.now());
        await clock.sleep(200); // the request's latency
      }
    }),
  );
}

describe('RateGate', () => {
  it('spaces requests evenly and never lets more than maxRps into any one-second window', async () => {
    const clock = virtualClock();
    const gate = new RateGate(30, clock);
    const sent: number[] = [];
    await workers(gate, clock, 12, 25, (t) => sent.push(t));
    expect(sent).toHaveLength(300);
    for (let i = 1; i < sent.length; i++) expect(sent[i]! - sent[i - 1]!).toBeGreaterThanOrEqual(1000 / 30 - 1e-9);
    for (let i = 30; i < sent.length; i++) expect(sent[i]! - sent[i - 30]!).toBeGreaterThanOrEqual(1000);
    // ...and still close to the cap (the window's jitter margin gives up a few per cent).
    expect(gate.achievedRps()).toBeGreaterThan(0.95 * 30);
  });

  it('holds every worker during a Retry-After pause', async () => {
    const clock = virtualClock();
    const gate = new RateGate(100, clock);
    const sent: number[] = [];
    const run = workers(gate, clock, 4, 10, (t) => {
      sent.push(t);
      if (sent.length === 5) gate.pauseFor(3000);
    });
    await run;
    const pausedAt = sent[4]!;
    // Nothing is sent while the pause lasts, whichever worker asks.
    expect(sent.filter((t) => t > pausedAt && t < pausedAt + 3000)).toEqual([]);
    expect(sent.filter((t) => t >= pausedAt + 3000).length).toBe(35);
  });

  it('serves the waiter with the most pages left first, then first come', async () => {
    const clock = virtualClock();
    const gate = new RateGate(10, clock);
    gate.pauseFor(500);
    const order: string[] = [];
    const waiters: [string, number][] = [
      ['short', 1],
      ['long', 9],
      ['middle', 4],
      ['long-later', 9],
    ];
    await Promise.all(waiters.map(([name, priority]) => gate.acquire(priority).then(() => order.push(name))));
    expect(order).toEqual(['long', 'long-later', 'middle', 'short']);
  });

  it('slows down a tenth per throttle burst and climbs back as requests go through', async () => {
    const clock = virtualClock();
    const gate = new RateGate(30, clock);
    gate.pauseFor(1000);
    // A second 429 from the same burst, while the pause holds: no second cut.
    gate.pauseFor(1000);
    expect(gate.currentRps).toBeCloseTo(27, 9);
    const sent: number[] = [];
    await workers(gate, clock, 8, 25, (t) => sent.push(t));
    // Nothing before the pause ends, then wider spacing than at full pace...
    expect(sent[0]).toBeGreaterThanOrEqual(1000);
    expect(sent[1]! - sent[0]!).toBeGreaterThan((1000 + 40) / 30);
    // ...back to the configured pace after 150 requests at +0.02 each.
    expect(gate.currentRps).toBe(30);
  });
});

describe('plain progress lines', () => {
  it('prints at most one line per ten seconds when stderr is not a terminal, and a last line at the end', () => {
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (d: Buffer) => (out += d.toString()));
    let now = 0;
    const progress = progressOn(stream, () => now);
    const state = { slicesDone: 1, slicesTotal: 24, pages: 3, pagesTotal: 30, works: 250, usd: 0.0004 };
    progress.update({ ...state, pages: 0 });
    now = 5_000;
    progress.update({ ...state, pages: 4 });
    now = 10_000;
    progress.update({ ...state, pages: 10 });
    progress.stop({ ...state, slicesDone: 24, pages: 30 });
    expect(out.trim().split('\n')).toEqual([
      'fetch: slices 1/24, pages 0/~30, works 250, $0.0004 spent',
      // 10 pages in 10 s, 20 to go.
      'fetch: slices 1/24, pages 10/~30, works 250, $0.0004 spent, ETA 20 s',
      'fetch: slices 24/24, pages 30/~30, works 250, $0.0004 spent',
    ]);
  });
});
