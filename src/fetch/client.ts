/**
 * One GET against the OpenAlex API, classified: a parsed body, or the reason it failed and
 * whether that reason is worth a retry. The key travels in the Authorization header only, so
 * every URL this module sees or reports is safe to print.
 */
import type { Dispatcher } from 'undici';
import { HttpError } from '../errors.js';
import { redactUrl } from './safe-url.js';

/** HTTP statuses retried, with why. Everything else (400, 401, 403, 404, 414) is final. */
const RETRY_STATUS: ReadonlyMap<number, string> = new Map([
  // Per-second throttling: all workers pause for Retry-After, then retry. A 429 whose body says
  // "Insufficient budget" is not in this class: it is final until the daily reset.
  [429, 'throttled'],
  // OpenAlex documents 500 as "temporary issue; retry with backoff".
  [500, 'server error'],
  // Cloudflare/Heroku in front of the API lost the application: transient.
  [502, 'bad gateway'],
  // Overload or deploy in progress.
  [503, 'service unavailable'],
  // A slow query upstream timed out at the gateway.
  [504, 'gateway timeout'],
]);

/** Transport failures retried, with why: each leaves no usable page, and none is the server's final word. */
const RETRY_TRANSPORT = {
  /** No complete answer within the timeout (a stalled connection or an overloaded server). */
  timeout: 'timed out',
  /** The connection was reset or closed before the response was complete. */
  connection: 'connection failed',
  /** A 200 whose body is cut short or not JSON: a page we cannot read is never an empty page. */
  badBody: 'unreadable body',
} as const;

export interface RateInfo {
  /** X-RateLimit-Cost-USD: what this call cost. */
  costUsd: number | null;
  /** X-RateLimit-Remaining-USD: what is left of the daily budget. */
  remainingUsd: number | null;
  /** X-RateLimit-Reset: seconds until the daily budget resets. */
  resetSeconds: number | null;
}

export type GetResult =
  | { ok: true; body: Record<string, unknown>; rate: RateInfo }
  | { ok: false; kind: 'retry'; reason: string; status: number | null; retryAfterMs: number | null; rate: RateInfo | null }
  | { ok: false; kind: 'budget'; message: string; rate: RateInfo }
  | { ok: false; kind: 'fatal'; error: HttpError };

export interface GetOptions {
  apiKey: string;
  timeoutMs: number;
  dispatcher?: Dispatcher;
}

function numberHeader(headers: Record<string, string | string[] | undefined>, name: string): number | null {
  const v = headers[name];
  const n = typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function rateInfo(headers: Record<string, string | string[] | undefined>): RateInfo {
  return {
    costUsd: numberHeader(headers, 'x-ratelimit-cost-usd'),
    remainingUsd: numberHeader(headers, 'x-ratelimit-remaining-usd'),
    resetSeconds: numberHeader(headers, 'x-ratelimit-reset'),
  };
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from `now`. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  if (typeof value !== 'string') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The server's own words for a failure: the JSON body's `error` and `message`, said once. */
export function messageOf(body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const b = body as Record<string, unknown>;
    const error = typeof b.error === 'string' ? b.error : '';
    const message = typeof b.message === 'string' ? b.message : '';
    // Some bodies repeat the error in the message; say it once.
    return message.toLowerCase().startsWith(error.toLowerCase()) ? message || error : [error, message].filter(Boolean).join(': ');
  }
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

/**
 * undici, loaded by the first request: every command imports this module (through the fetcher and
 * the refresh), and loading undici took about 0.1 s of each start, `report` and `aggregate` included.
 */
let undici: Promise<typeof import('undici')> | undefined;

export async function getJson(url: string, options: GetOptions, now: () => number = Date.now): Promise<GetResult> {
  const { request } = await (undici ??= import('undici'));
  let status: number;
  let headers: Record<string, string | string[] | undefined>;
  let text: string;
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const res = await request(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' },
      signal,
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    });
    status = res.statusCode;
    headers = res.headers;
    text = await res.body.text();
  } catch (e) {
    const reason = signal.aborted ? RETRY_TRANSPORT.timeout : `${RETRY_TRANSPORT.connection} (${(e as Error).message})`;
    return { ok: false, kind: 'retry', reason, status: null, retryAfterMs: null, rate: null };
  }
  const rate = rateInfo(headers);
  if (status === 200) {
    const body = parseBody(text);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { ok: false, kind: 'retry', reason: `${RETRY_TRANSPORT.badBody} (${text.length} bytes)`, status, retryAfterMs: null, rate };
    }
    return { ok: true, body: body as Record<string, unknown>, rate };
  }
  const body = parseBody(text);
  if (status === 429 && /insufficient budget/i.test(messageOf(body))) {
    return { ok: false, kind: 'budget', message: messageOf(body), rate };
  }
  // OpenAlex's error table also lists 403 as "rate limit exceeded; slow down": treated as a throttle
  // when the body says so (a 403 for a bad field, as older recordings show, stays final).
  if (status === 403 && /rate limit/i.test(messageOf(body))) {
    return { ok: false, kind: 'retry', reason: 'HTTP 403 rate limit', status: 429, retryAfterMs: parseRetryAfter(headers['retry-after'], now()), rate };
  }
  const retryReason = RETRY_STATUS.get(status);
  if (retryReason !== undefined) {
    return { ok: false, kind: 'retry', reason: `HTTP ${status} ${retryReason}`, status, retryAfterMs: parseRetryAfter(headers['retry-after'], now()), rate };
  }
  return { ok: false, kind: 'fatal', error: new HttpError(status, redactUrl(url), body) };
}
