/**
 * Credentials never land in a file or on the terminal: a user:password or an api_key in
 * OPENALEX_BASE_URL is refused by the CLI (exit 2, shown with them removed), the planner strips
 * them from every URL it builds for library callers, and the API key, which travels in the
 * Authorization header only, is in none of the files a run writes.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeywordRules } from '../../src/classify/keywords.js';
import { planSlices } from '../../src/fetch/planner.js';
import { parseBaseUrl, redactUrl } from '../../src/fetch/safe-url.js';
import { loadFromApi } from '../../src/pipeline/source.js';
import { Store } from '../../src/store/store.js';
import { runCliInProcess } from '../support/cli.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { tempDir } from './helpers.js';
import { scopeOf } from '../support/scope.js';

const KEY = 'sk-never-stored-7f3a';
const ARGS = ['--from', '2019', '--to', '2020', '--countries', 'US', '--max-rps', '100'];

/** Every file under `dir`, read as bytes, with the ones that contain `needle`. */
function filesContaining(dir: string, needle: string): { files: string[]; hits: string[] } {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(dir);
  return { files, hits: files.filter((f) => readFileSync(f).includes(needle)) };
}

function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

let server: OpenAlexServer;
beforeAll(async () => {
  server = await startOpenAlexServer({ apiKey: KEY });
});
afterAll(async () => {
  await server?.close();
});

describe('redactUrl and parseBaseUrl', () => {
  const cases: [url: string, safe: string][] = [
    ['https://api.openalex.org', 'https://api.openalex.org'],
    ['https://api.openalex.org/works?filter=a:b&per_page=10&cursor=*', 'https://api.openalex.org/works?filter=a:b&per_page=10&cursor=*'],
    ['http://user:secret@127.0.0.1:8080/', 'http://127.0.0.1:8080/'],
    ['http://user@host/', 'http://host/'],
    ['https://host/works?api_key=secret&filter=a', 'https://host/works?filter=a'],
    ['https://host/works?filter=a&API_KEY=secret&token=secret&mailto=me%40x.org', 'https://host/works?filter=a&mailto=me%40x.org'],
    ['not a url //user:secret@host?api_key=secret', 'not a url //host'],
  ];
  it.each(cases)('%s -> %s', (url, safe) => {
    expect(redactUrl(url)).toBe(safe);
    expect(redactUrl(url)).not.toContain('secret');
  });

  it.each([
    ['http://user:secret@host', /user name or password/],
    ['https://host/?api_key=secret', /without a query or fragment/],
    ['https://host/#secret', /without a query or fragment/],
    ['ftp://host', /http\(s\)/],
    ['host:secret@x', /http\(s\)/],
    ['nonsense', /not a URL/],
  ])('refuses %s without repeating the secret', (raw, why) => {
    expect(() => parseBaseUrl(raw)).toThrow(why);
    try {
      parseBaseUrl(raw);
    } catch (e) {
      expect((e as Error).message).not.toContain('secret');
    }
  });

  it('the planner builds every URL from the base without its credentials', () => {
    const plan = planSlices({ baseUrl: 'http://user:secret@host:1/api/?api_key=secret', from: 2019, to: 2020, countries: ['US'], prefilter: null });
    for (const q of [...plan.slices.map((s) => s.query), ...plan.countQueries.map((c) => c.query)]) {
      expect(q).not.toContain('secret');
      expect(q.startsWith('http://host:1/api/works?')).toBe(true);
    }
  });
});

describe('medai-trends with credentials in OPENALEX_BASE_URL', () => {
  it.each([
    ['user:password', (url: string) => withCredentials(url, 'user', 'secret'), /user name or password/],
    ['api_key parameter', (url: string) => `${url}/?api_key=secret`, /without a query or fragment/],
  ])('run refuses a base URL with a %s (exit 2), and nothing written or printed holds it', async (_name, make, why) => {
    const dir = await tempDir('medai-cred-');
    const r = await runCliInProcess(['run', ...ARGS, '--format', 'csv,json,html', '--db', join(dir, 'medai.duckdb'), '--out', join(dir, 'reports')], { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: make(server.url) });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(why);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(server.url.replace(/^http:\/\//, ''));
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain('secret');
      expect(text).not.toContain(KEY);
    }
    const { hits } = filesContaining(dir, 'secret');
    expect(hits).toEqual([]);
  });

  it('estimate refuses it too', async () => {
    const r = await runCliInProcess(['estimate', ...ARGS], { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: withCredentials(server.url, 'user', 'secret') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/user name or password/);
    expect(r.stderr).not.toContain('secret');
  });
});

describe('a run never writes the API key or a base URL credential', () => {
  it('run: the key is in no file written (reports, database bytes, raw pages) and not on the terminal', async () => {
    const dir = await tempDir('medai-cred-');
    const r = await runCliInProcess(['run', ...ARGS, '--format', 'csv,json,html', '--db', join(dir, 'data', 'medai.duckdb'), '--out', join(dir, 'reports')], { OPENALEX_API_KEY: KEY, OPENALEX_BASE_URL: server.url });
    expect(r.code, r.stderr).toBe(0);
    const { files, hits } = filesContaining(dir, KEY);
    expect(files.some((f) => f.endsWith('.cursor'))).toBe(true);
    expect(files.some((f) => f.endsWith('manifest.json'))).toBe(true);
    expect(hits).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('a library fetch given a base URL with user:password stores and reports it without them', async () => {
    const dir = await tempDir('medai-cred-');
    const db = join(dir, 'data', 'medai.duckdb');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'data'));
    const store = await Store.open(db);
    try {
      await loadFromApi(store, scopeOf({ from: 2019, to: 2020, countries: ['US'] }), await loadKeywordRules(), {
        baseUrl: withCredentials(server.url, 'user', 'secret'),
        apiKey: KEY,
        budgetUsd: 1,
        maxRps: 100,
        concurrency: 4,
        refresh: false,
        prefilter: 'keywords',
        yes: false,
        perPage: 100,
      });
    } finally {
      store.close();
    }
    expect((await runCliInProcess(['classify', '--db', db])).code).toBe(0);
    const report = await runCliInProcess(['report', ...ARGS.slice(0, 6), '--format', 'csv,json,html', '--db', db, '--out', join(dir, 'reports')]);
    expect(report.code, report.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'reports', 'manifest.json'), 'utf8'));
    expect(manifest.source.baseUrl.replace(/\/$/, '')).toBe(server.url);
    expect(manifest.source.queries.length).toBeGreaterThan(0);
    const { files, hits } = filesContaining(dir, 'secret');
    expect(files.some((f) => f.endsWith('.cursor'))).toBe(true);
    expect(hits).toEqual([]);
    expect(filesContaining(dir, KEY).hits).toEqual([]);
  });
});
