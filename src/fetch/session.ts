/**
 * What the workers of one run share: the rate gate, the USD ledger, the retry policy and the
 * stop flag. Every request goes through `get`, so bounds and budgets hold across all slices.
 */
import type { Dispatcher } from 'undici';
import { ExitCode, UserError, type HttpError } from '../errors.js';
import { getJson, messageOf, type GetResult, type RateInfo } from './client.js';
import { redactUrl, requestPath } from './safe-url.js';
import { RateGate, type Clock } from './gate.js';
import { callCostUsd } from './planner.js';

export interface RetryPolicy {
  /** Attempts per request for transient failures (5xx, resets, timeouts, bad bodies). */
  attempts: number;
  /** Exponential backoff with full jitter: a random wait up to min(maxMs, baseMs * 2^n). */
  baseMs: number;
  maxMs: number;
}

/**
 * Six attempts with waits up to 0.5, 1, 2, 4, 8 s ride out a deploy or a short outage; a longer
 * one fails the run, which resumes from its checkpoint.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 500, maxMs: 30_000 };

/** Per-second 429s are retried longer than failures: they only mean "slower", and the gate obeys. */
const MAX_THROTTLES_PER_REQUEST = 20;

export type StopReason =
  | { kind: 'budget-cap' }
  | { kind: 'budget-server'; message: string; resetSeconds: number | null }
  | { kind: 'error'; error: unknown };

/** Thrown inside a worker once the run is stopping; the worker's committed pages stay. */
export class Stopped extends Error {
  constructor() {
    super('fetch stopped');
    this.name = 'Stopped';
  }
}

/** The server's final refusal of a request (400, 403, 404, ...): a usage error that keeps its answer. */
export class RefusedError extends UserError {
  constructor(
    message: string,
    readonly http: HttpError,
  ) {
    super(message, ExitCode.usage);
    this.name = 'RefusedError';
  }
}

export interface SessionOptions {
  apiKey: string;
  budgetUsd: number;
  maxRps: number;
  timeoutMs: number;
  retry: RetryPolicy;
  clock: Clock;
  random: () => number;
  dispatcher?: Dispatcher;
}

export class Session {
  readonly gate: RateGate;
  spentUsd = 0;
  private reservedUsd = 0;
  requests = 0;
  retries = 0;
  throttled = 0;
  lastRate: RateInfo | null = null;
  stopReason: StopReason | null = null;

  constructor(private readonly o: SessionOptions) {
    this.gate = new RateGate(o.maxRps, o.clock);
  }

  stop(reason: StopReason): void {
    this.stopReason ??= reason;
  }

  backoffMs(attempt: number): number {
    return this.o.random() * Math.min(this.o.retry.maxMs, this.o.retry.baseMs * 2 ** (attempt - 1));
  }

  /**
   * GETs `url` until it yields a body `read` accepts, within the retry bounds and the budget.
   * `read` returns null for a 200 whose shape is wrong, which is retried like a cut-off body.
   * `priority` orders waiting requests at the rate gate (higher first).
   */
  async get<T>(url: string, search: boolean, read: (body: Record<string, unknown>) => T | null, priority = 0): Promise<T> {
    const cost = callCostUsd(search);
    let failures = 0;
    let throttles = 0;
    for (;;) {
      if (this.stopReason !== null) throw new Stopped();
      // Reserve before waiting, so parallel workers cannot together overshoot the cap.
      if (this.spentUsd + this.reservedUsd + cost > this.o.budgetUsd + 1e-9) {
        this.stop({ kind: 'budget-cap' });
        throw new Stopped();
      }
      this.reservedUsd += cost;
      let result: GetResult;
      try {
        await this.gate.acquire(priority);
        if (this.stopReason !== null) throw new Stopped();
        this.requests++;
        result = await getJson(url, { apiKey: this.o.apiKey, timeoutMs: this.o.timeoutMs, ...(this.o.dispatcher ? { dispatcher: this.o.dispatcher } : {}) }, this.o.clock.now);
      } finally {
        this.reservedUsd -= cost;
      }
      if (result.ok) {
        this.lastRate = result.rate;
        this.spentUsd += result.rate.costUsd ?? cost;
        const value = read(result.body);
        if (value !== null) return value;
        result = { ok: false as const, kind: 'retry' as const, reason: 'unexpected body shape', status: 200, retryAfterMs: null, rate: result.rate };
      }
      switch (result.kind) {
        case 'budget':
          this.lastRate = result.rate;
          this.stop({ kind: 'budget-server', message: result.message, resetSeconds: result.rate.resetSeconds });
          throw new Stopped();
        case 'fatal':
          // A final answer (400 bad query, 403, 404 wrong OPENALEX_BASE_URL, ...) is the server's
          // word on what was asked: retrying or resuming asks the same, so it is a usage error.
          throw result.error.status === 401
            ? new UserError(`OpenAlex refused the API key (${result.error.message}); check OPENALEX_API_KEY`, ExitCode.usage)
            : new RefusedError(`OpenAlex answered HTTP ${result.error.status} to GET ${requestPath(url)}: ${messageOf(result.error.body) || '(no message)'}`, result.error);
        case 'retry':
          if (result.status === 429) {
            // All workers wait together: the server asked the client, not one worker, to slow down.
            this.throttled++;
            if (++throttles > MAX_THROTTLES_PER_REQUEST) {
              throw new UserError(`still throttled after ${throttles - 1} waits for ${redactUrl(url)}; lower --max-rps`, ExitCode.fetchFailed);
            }
            this.gate.pauseFor(result.retryAfterMs ?? this.backoffMs(throttles));
            continue;
          }
          this.retries++;
          if (++failures >= this.o.retry.attempts) {
            throw new UserError(`giving up after ${failures} attempts (${result.reason}) on ${redactUrl(url)}`, ExitCode.fetchFailed);
          }
          await this.o.clock.sleep(this.backoffMs(failures));
      }
    }
  }
}
