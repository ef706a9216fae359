/**
 * The one gate every request passes: it keeps requests per second under the cap and holds all
 * workers together when the server asks for a pause (Retry-After), so a throttled run slows
 * down as a whole instead of each worker hammering on alone.
 */
import type { Clock } from '../effects/clock.js';

export type { Clock } from '../effects/clock.js';

/**
 * Margin added to the one-second window: the server counts arrivals, which trail our send times
 * by network and event-loop jitter; without it an evenly paced client still trips a strict
 * counter, and each 429 costs a whole Retry-After pause. 40 ms gives up 4% of the cap; 15 ms
 * still drew an occasional 429 in the benchmark.
 */
const WINDOW_MARGIN_MS = 40;

/**
 * When the server throttles anyway (its limit is below --max-rps, or shared with other clients),
 * the pace drops by a tenth per Retry-After and climbs back by 0.02 req/s per request sent: it
 * settles just under the server's real limit instead of bursting into a 429 and a pause every
 * second. A tenth, not a half: one stray 429 at the right pace should cost little.
 */
const THROTTLE_DECREASE = 0.9;
const RECOVERY_PER_REQUEST = 0.02;
const MIN_RPS = 0.5;

interface Waiter {
  priority: number;
  order: number;
  release: () => void;
}

/**
 * One loop hands out send slots, evenly spaced, to the waiting request with the highest
 * priority (the fetcher passes the pages its slice has left, so long cursor walks go first and
 * the run does not end on one of them alone). Waiters sleep on a promise, not a timer, so a
 * crowd of workers does not wake up together to race for each slot.
 */
export class RateGate {
  private nextAt = 0;
  private pausedUntil = 0;
  /** Send times of the last `maxRps` requests, oldest first. */
  private readonly sent: number[] = [];
  /** The pace now: maxRps until the server throttles, then what it tolerates. */
  private rate: number;
  private readonly waiting: Waiter[] = [];
  private pumping = false;
  private arrivals = 0;
  requests = 0;
  firstAt: number | null = null;
  lastAt: number | null = null;

  constructor(
    private readonly maxRps: number,
    private readonly clock: Clock,
  ) {
    if (!(maxRps > 0)) throw new Error(`max requests per second must be positive, got ${maxRps}`);
    this.rate = maxRps;
  }

  /** Spaced so that `rate` requests span the window plus its margin. */
  private get interval(): number {
    return (1000 + WINDOW_MARGIN_MS) / this.rate;
  }

  /** Requests per second the gate currently aims at. */
  get currentRps(): number {
    return this.rate;
  }

  /** Waits for a slot; among waiters, higher `priority` first, then first come. */
  acquire(priority = 0): Promise<void> {
    return new Promise<void>((release) => {
      this.waiting.push({ priority, order: this.arrivals++, release });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.length > 0) {
        const now = this.clock.now();
        const windowFree = this.sent.length < this.maxRps ? 0 : this.sent[0]! + 1000 + WINDOW_MARGIN_MS;
        const at = Math.max(this.nextAt, this.pausedUntil, windowFree);
        // Re-checked after every sleep: a Retry-After may have arrived meanwhile.
        if (at > now) {
          await this.clock.sleep(at - now);
          continue;
        }
        let best = 0;
        for (let i = 1; i < this.waiting.length; i++) {
          const w = this.waiting[i]!;
          const b = this.waiting[best]!;
          if (w.priority > b.priority || (w.priority === b.priority && w.order < b.order)) best = i;
        }
        const [chosen] = this.waiting.splice(best, 1);
        this.sent.push(now);
        if (this.sent.length > this.maxRps) this.sent.shift();
        // Spacing follows the schedule, not the timer: a late wake-up does not push every later
        // slot back (at most one interval is caught up; the window check still bounds the second).
        this.nextAt = Math.max(at, now - this.interval) + this.interval;
        this.requests++;
        this.rate = Math.min(this.maxRps, this.rate + RECOVERY_PER_REQUEST);
        this.firstAt ??= now;
        this.lastAt = now;
        chosen!.release();
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Holds every worker until `ms` from now (a Retry-After; a longer pause already set wins) and
   * slows the pace. 429s that arrive while a pause holds answer the same burst: one cut for all.
   */
  pauseFor(ms: number): void {
    const now = this.clock.now();
    if (now >= this.pausedUntil) this.rate = Math.max(MIN_RPS, this.rate * THROTTLE_DECREASE);
    this.pausedUntil = Math.max(this.pausedUntil, now + ms);
  }

  /** Requests per second achieved between the first and last request. */
  achievedRps(): number {
    if (this.firstAt === null || this.lastAt === null || this.lastAt <= this.firstAt) return 0;
    return (this.requests - 1) / ((this.lastAt - this.firstAt) / 1000);
  }
}
