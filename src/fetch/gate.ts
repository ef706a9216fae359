/**
 * The one gate every request passes: it keeps requests per second under the cap and holds all
 * workers together when the server asks for a pause (Retry-After), so a throttled run slows
 * down as a whole instead of each worker hammering on alone.
 */

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Margin added to the one-second window: the server counts arrivals, which trail our send
 * times by a little jitter; without it an evenly paced client still trips a strict counter.
 */
const WINDOW_MARGIN_MS = 15;

export class RateGate {
  private nextAt = 0;
  private pausedUntil = 0;
  /** Send times of the last `maxRps` requests, oldest first. */
  private readonly sent: number[] = [];
  private readonly interval: number;
  requests = 0;
  firstAt: number | null = null;
  lastAt: number | null = null;

  constructor(
    private readonly maxRps: number,
    private readonly clock: Clock,
  ) {
    if (!(maxRps > 0)) throw new Error(`max requests per second must be positive, got ${maxRps}`);
    this.interval = 1000 / maxRps;
  }

  /** Waits for this caller's turn: evenly spaced, within the sliding window, after any pause. */
  async acquire(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const windowFree = this.sent.length < this.maxRps ? 0 : this.sent[0]! + 1000 + WINDOW_MARGIN_MS;
      const at = Math.max(now, this.nextAt, this.pausedUntil, windowFree);
      if (at <= now) {
        this.nextAt = now + this.interval;
        this.sent.push(now);
        if (this.sent.length > this.maxRps) this.sent.shift();
        this.requests++;
        this.firstAt ??= now;
        this.lastAt = now;
        return;
      }
      await this.clock.sleep(at - now);
    }
  }

  /** Holds every worker until `ms` from now (a Retry-After); a longer pause already set wins. */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  /** Requests per second achieved between the first and last request. */
  achievedRps(): number {
    if (this.firstAt === null || this.lastAt === null || this.lastAt <= this.firstAt) return 0;
    return (this.requests - 1) / ((this.lastAt - this.firstAt) / 1000);
  }
}
