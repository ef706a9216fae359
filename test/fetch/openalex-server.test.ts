/**
 * The local OpenAlex speaks the protocol the fetcher relies on, with the real API's shapes:
 * error bodies compared with the recorded ones, envelopes, cursor paging, select, group_by.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAlexDataDir } from '../support/openalex-data.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { expectedIds, readCorpus } from './helpers.js';

const RECORDED = join(openAlexDataDir(), 'rkrug__openalexPro/tests/fixtures/vcr');
let server: OpenAlexServer;
beforeAll(async () => {
  server = await startOpenAlexServer({ apiKey: 'k' });
});
afterAll(async () => server?.close());

async function get(query: string, key: string | null = 'k'): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/works?${query}`, key === null ? {} : { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** The first response body recorded in a vcr cassette with the given status. */
function recordedBody(file: string, status: number): Record<string, unknown> {
  const text = readFileSync(join(RECORDED, file), 'utf8');
  const m = new RegExp(`status: ${status}[\\s\\S]*?string: '([^\\n]*)'`).exec(text);
  return JSON.parse(m![1]!) as Record<string, unknown>;
}

describe('local OpenAlex server', () => {
  it('answers a missing key with the recorded 401 body, and a wrong key with the recorded one for a bad key', async () => {
    expect((await get('per_page=1', null)).body).toEqual(recordedBody('pro_rate_limit_status_401.yml', 401));
    const wrong = await get('per_page=1', 'nope');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'Unauthorized', message: 'Invalid API key' });
  });

  it('answers a bad filter and a bad select with the recorded 400 shape and wording', async () => {
    const badFilter = await get('filter=DOESNTEXIST:1');
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.error).toBe('Invalid query parameters error.');
    expect(badFilter.body.message).toMatch(/^DOESNTEXIST is not a valid field\. Valid fields are underscore or hyphenated versions of: /);
    const badSelect = await get('select=DOESNTEXIST');
    expect(badSelect.body.message).toMatch(/^DOESNTEXIST is not a valid select field\. Valid fields for select are: id, doi, title/);
    expect((await get('per_page=101')).status).toBe(400);
    expect((await get(`filter=authorships.countries:${Array.from({ length: 101 }, () => 'US').join('|')}`)).status).toBe(400);
    expect((await get(`filter=title_and_abstract.search:${'a'.repeat(1501)}`)).status).toBe(400);
    const long = await get(`filter=title_and_abstract.search:${Array.from({ length: 150 }, (_, i) => `"long phrase number ${i}"`).join('|')}`);
    expect(long.status).toBe(400);
    expect(long.body.error).toBe('Request URL too long');
    expect(long.body.message).toMatch(/^Your request URL is \d+ bytes, over the 4094-byte limit/);
  });

  it('sends the rate-limit headers of the real API on every answer', async () => {
    const { headers } = await get('filter=publication_year:2020&per_page=1');
    for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-credits-used', 'x-ratelimit-reset', 'x-ratelimit-cost-usd', 'x-ratelimit-remaining-usd']) {
      expect(headers.get(h), h).not.toBeNull();
    }
    expect(headers.get('x-ratelimit-cost-usd')).toBe('0.0001');
    expect((await get('filter=title_and_abstract.search:learning&per_page=1')).headers.get('x-ratelimit-cost-usd')).toBe('0.001');
  });

  it('pages a filter by cursor in id order until an empty page with a null cursor, matching the records', async () => {
    const ids: string[] = [];
    let cursor: string | null = '*';
    let pages = 0;
    let last: Record<string, unknown> = {};
    while (cursor !== null) {
      last = (await get(`filter=publication_year:2015-2016,authorships.institutions.country_code:us|cn&per_page=7&select=id&cursor=${encodeURIComponent(cursor)}`)).body;
      const meta = last.meta as { next_cursor: string | null; count: number; per_page: number; page: null };
      expect(meta.per_page).toBe(7);
      ids.push(...(last.results as { id: string }[]).map((r) => r.id.replace('https://openalex.org/', '')));
      cursor = meta.next_cursor;
      pages++;
    }
    const expected = expectedIds(2015, 2016, ['US', 'CN']);
    expect(ids).toEqual([...expected].sort());
    expect(last.results).toEqual([]);
    expect(pages).toBe(Math.ceil(expected.length / 7) + 1);
  });

  it('groups by publication_year with the real group_by envelope', async () => {
    const { body } = await get('filter=publication_year:2010-2021,authorships.countries:US&group_by=publication_year');
    const groups = body.group_by as { key: string; key_display_name: string; count: number }[];
    expect(Object.keys(body.meta as object)).toEqual(['count', 'db_response_time_ms', 'page', 'per_page', 'next_cursor', 'groups_count', 'cost_usd']);
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(expectedIds(2010, 2021, ['US']).length);
    expect(groups.find((g) => g.key === '2020')?.count).toBe(expectedIds(2020, 2020, ['US']).length);
  });

  it('filters on from_updated_date/to_updated_date by each work\'s updated_date, both ends included', async () => {
    const corpus = readCorpus();
    const since = '2026-05-08';
    const updated = (w: (typeof corpus)[number]): string | null => (typeof w.raw.updated_date === 'string' ? w.raw.updated_date : null);
    const want = corpus.filter((w) => (updated(w) ?? '') >= since).length;
    expect(want).toBeGreaterThan(0);
    expect(want).toBeLessThan(corpus.length);
    expect(((await get(`filter=from_updated_date:${since}&per_page=1`)).body.meta as { count: number }).count).toBe(want);
    // A work with no updated_date matches neither end.
    const upTo = corpus.filter((w) => updated(w) !== null && updated(w)!.slice(0, 10) <= since).length;
    expect(((await get(`filter=to_updated_date:${since}&per_page=1`)).body.meta as { count: number }).count).toBe(upTo);
    expect((await get('filter=from_updated_date:May&per_page=1')).status).toBe(400);
  });

  it('refuses the updated-date filters like OpenAlex refuses a key not allowed them: 403, its wording, not billed', async () => {
    const refusing = await startOpenAlexServer({ apiKey: 'k', refuseUpdatedDateFilter: true });
    try {
      const res = await fetch(`${refusing.url}/works?filter=publication_year:2020,from_updated_date:2026-01-01&group_by=publication_year`, { headers: { authorization: 'Bearer k' } });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: 'Forbidden', message: 'You must include a valid API key to use "from_updated_date:2026-01-01" with filter' });
      expect(refusing.stats.usdSpent).toBe(0);
      refusing.setRefuseUpdatedDateFilter(false);
      const ok = await fetch(`${refusing.url}/works?filter=from_updated_date:2026-01-01&per_page=1`, { headers: { authorization: 'Bearer k' } });
      expect(ok.status).toBe(200);
    } finally {
      await refusing.close();
    }
  });

  it('serves new data after setWorks: works deleted, added and updated between two runs', async () => {
    const moving = await startOpenAlexServer({ apiKey: 'k' });
    try {
      const corpus = readCorpus();
      const [first, second] = corpus;
      moving.setWorks([{ ...first!.raw, updated_date: '2026-07-01T00:00:00' }, { ...second!.raw, id: 'https://openalex.org/W9999999999' }]);
      const res = await fetch(`${moving.url}/works?per_page=10&cursor=*`, { headers: { authorization: 'Bearer k' } });
      const body = (await res.json()) as { meta: { count: number }; results: { id: string }[] };
      expect(body.meta.count).toBe(2);
      expect(body.results.map((r) => r.id).sort()).toEqual([String(first!.raw.id), 'https://openalex.org/W9999999999'].sort());
      const since = await fetch(`${moving.url}/works?filter=from_updated_date:2026-06-30&per_page=10`, { headers: { authorization: 'Bearer k' } });
      expect(((await since.json()) as { meta: { count: number } }).meta.count).toBe(1);
    } finally {
      await moving.close();
    }
  });
});
