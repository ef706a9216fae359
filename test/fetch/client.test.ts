/**
 * How one response is classified, over real HTTP: a tiny server answers each path with a canned
 * status and body (shapes from the recordings and OpenAlex's documentation), one row per case.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, parseRetryAfter } from '../../src/fetch/client.js';

interface Canned {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const CASES: Record<string, Canned> = {
  ok: { status: 200, body: '{"meta":{"count":0},"results":[]}', headers: { 'x-ratelimit-cost-usd': '0.0001', 'x-ratelimit-remaining-usd': '0.9', 'x-ratelimit-reset': '3600' } },
  throttled: { status: 429, body: '{"error":"Rate limit exceeded","message":"Too many requests per second"}', headers: { 'retry-after': '2' } },
  budget: { status: 429, body: '{"error":"Insufficient budget","message":"This request costs $0.001 and $0.0000 remains."}', headers: { 'x-ratelimit-reset': '600' } },
  forbiddenRate: { status: 403, body: '{"error":"Forbidden","message":"Rate limit exceeded; slow down"}' },
  forbiddenField: { status: 403, body: '{"error":"Invalid query parameters error.","message":"DOESNTEXIST is not a valid field."}' },
  badRequest: { status: 400, body: '{"error":"Request URL too long","message":"Your request URL is 4612 bytes, over the 4094-byte limit"}' },
  unauthorized: { status: 401, body: '{"error":"Invalid or missing API key","message":"API key not found"}' },
  e500: { status: 500, body: '{"error":"Internal Server Error"}' },
  e502: { status: 502, body: '<html>502 Bad Gateway</html>' },
  e503: { status: 503, body: '' },
  e504: { status: 504, body: '<html>504</html>' },
  notJson: { status: 200, body: '{"meta":{"count":3},"results":[{"id":' },
};

let server: Server;
let base: string;
const seenAuth: (string | undefined)[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    seenAuth.push(req.headers.authorization);
    if (req.url === '/reset') {
      req.socket.destroy();
      return;
    }
    if (req.url === '/stall') return;
    const c = CASES[(req.url ?? '/').slice(1)]!;
    res.writeHead(c.status, { 'content-type': 'application/json', ...c.headers });
    res.end(c.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const get = (path: string) => getJson(`${base}/${path}`, { apiKey: 'secret-key', timeoutMs: 300 });

describe('getJson', () => {
  it('sends the key as a Bearer header and reads cost, remaining budget and reset from the headers', async () => {
    const r = await get('ok');
    expect(r).toMatchObject({ ok: true, rate: { costUsd: 0.0001, remainingUsd: 0.9, resetSeconds: 3600 } });
    expect(seenAuth.at(-1)).toBe('Bearer secret-key');
  });

  it.each([
    ['throttled', 'retry', 429, 2000],
    ['forbiddenRate', 'retry', 429, null],
    ['e500', 'retry', 500, null],
    ['e502', 'retry', 502, null],
    ['e503', 'retry', 503, null],
    ['e504', 'retry', 504, null],
    ['notJson', 'retry', 200, null],
    ['reset', 'retry', null, null],
    ['stall', 'retry', null, null],
  ])('%s is retried (%s, status %s, Retry-After %s ms)', async (path, kind, status, retryAfterMs) => {
    const r = await get(path);
    expect(r).toMatchObject({ ok: false, kind, status, retryAfterMs });
  });

  it('a budget 429 is final until the reset, never retried', async () => {
    expect(await get('budget')).toMatchObject({ ok: false, kind: 'budget', message: 'Insufficient budget: This request costs $0.001 and $0.0000 remains.', rate: { resetSeconds: 600 } });
  });

  it.each([
    ['badRequest', 400],
    ['unauthorized', 401],
    ['forbiddenField', 403],
  ])('%s is final and keeps the server body', async (path, status) => {
    const r = await get(path);
    expect(r.ok).toBe(false);
    if (r.ok || r.kind !== 'fatal') throw new Error(`expected a fatal result, got ${JSON.stringify(r)}`);
    expect(r.error.status).toBe(status);
    expect(r.error.body).toEqual(JSON.parse(CASES[path]!.body));
    expect(r.error.message).not.toContain('secret-key');
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['2', 0, 2000],
    ['0', 0, 0],
    ['Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'), 10_000],
    ['soon', 0, null],
  ])('%s at %i ms -> %s ms', (value, now, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
