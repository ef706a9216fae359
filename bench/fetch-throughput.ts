/**
 * Fetch throughput against the local OpenAlex with 200 ms latency per request and a 30
 * requests/second cap enforced by the server (429 + Retry-After above it): the parallel
 * fetcher as a ratio to the cap, and to one sequential cursor over the same scope, which is
 * how common OpenAlex clients page. Side by side in one process; not a test.
 *
 *   npx tsx bench/fetch-throughput.ts [--quick]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson } from '../src/fetch/client.js';
import { fetchWorks } from '../src/fetch/fetcher.js';
import { quietEffects } from '../src/effects/effects.js';
import { JournalSink } from '../test/support/journal-sink.js';
import { startOpenAlexServer } from '../test/support/openalex-server.js';

const LATENCY_MS = 200;
const CAP_RPS = 30;
const KEY = 'bench-key';
const FROM = 2000;
const TO = 2021;
const quick = process.argv.includes('--quick');
/** The sequential baseline's rate is steady after a few pages; this many keep it under a minute. */
const SEQUENTIAL_PAGES = quick ? 20 : 60;

interface Scenario {
  name: string;
  countries: string[];
  /** Small pages, so the 2,290 real works make enough requests to measure a steady rate. */
  perPage: number;
  concurrencies: number[];
  /** Also run once with --max-rps this far above the server's cap: how the gate adapts to 429s. */
  overCapRps?: number;
}

const SCENARIOS: Scenario[] = [
  // 132 slices of a few pages each: many short last pages, the hardest case for works per request.
  { name: 'many short slices', countries: ['CN', 'DE', 'FR', 'GB', 'JP', 'US'], perPage: 5, concurrencies: quick ? [12] : [6, 12, 24], overCapRps: quick ? undefined : 60 },
  // 22 slices of about a dozen pages, the proportions of a real fetch (thousands of works per
  // slice at 100 per page), where the tail of the longest walks is what costs throughput.
  { name: 'fewer, longer slices', countries: ['US'], perPage: 2, concurrencies: [12] },
];

interface Row {
  mode: string;
  requests: number;
  works: number;
  seconds: number;
  rps: number;
  worksPerSecond: number;
  throttled: number;
}

async function sequential(sc: Scenario): Promise<Row> {
  const server = await startOpenAlexServer({ apiKey: KEY, latencyMs: LATENCY_MS, maxRps: CAP_RPS });
  try {
    const filter = `publication_year:${FROM}-${TO},authorships.countries:${sc.countries.join('|')}`;
    let cursor: string | null = '*';
    let requests = 0;
    let works = 0;
    const started = performance.now();
    while (cursor !== null && requests < SEQUENTIAL_PAGES) {
      const url = `${server.url}/works?${new URLSearchParams({ filter, per_page: String(sc.perPage), cursor })}`;
      const r = await getJson(url, { apiKey: KEY, timeoutMs: 30_000 });
      requests++;
      if (!r.ok) throw new Error(`sequential cursor failed: ${r.kind}`);
      const body = r.body as { meta: { next_cursor: string | null }; results: unknown[] };
      works += body.results.length;
      cursor = body.meta.next_cursor;
    }
    const seconds = (performance.now() - started) / 1000;
    return { mode: 'one sequential cursor', requests, works, seconds, rps: requests / seconds, worksPerSecond: works / seconds, throttled: server.stats.outcomes['429-throttle'] ?? 0 };
  } finally {
    await server.close();
  }
}

async function parallel(sc: Scenario, concurrency: number, clientRps = CAP_RPS): Promise<Row> {
  const server = await startOpenAlexServer({ apiKey: KEY, latencyMs: LATENCY_MS, maxRps: CAP_RPS });
  const dir = await mkdtemp(join(tmpdir(), 'medai-bench-'));
  try {
    const sink = await JournalSink.open(join(dir, 'journal.jsonl'));
    const summary = await fetchWorks(
      sink,
      {
        baseUrl: server.url,
        apiKey: KEY,
        from: FROM,
        to: TO,
        countries: sc.countries,
        prefilter: null,
        dataDir: join(dir, 'raw'),
        budgetUsd: 10,
        maxRps: clientRps,
        concurrency,
        refresh: false,
        perPage: sc.perPage,
      },
      quietEffects,
    );
    const seconds = summary.elapsedMs / 1000;
    return {
      mode: `parallel slices, concurrency ${concurrency}${clientRps === CAP_RPS ? '' : `, --max-rps ${clientRps} (above the cap)`}`,
      requests: summary.requests,
      works: summary.worksReceived,
      seconds,
      rps: summary.requests / seconds,
      worksPerSecond: summary.worksReceived / seconds,
      throttled: server.stats.outcomes['429-throttle'] ?? 0,
    };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`local OpenAlex: ${LATENCY_MS} ms latency per request, cap ${CAP_RPS} req/s (the server answers 429 above it); years ${FROM}-${TO}`);
for (const sc of SCENARIOS) {
  const rows: Row[] = [await sequential(sc)];
  for (const c of sc.concurrencies) rows.push(await parallel(sc, c));
  if (sc.overCapRps !== undefined) rows.push(await parallel(sc, 12, sc.overCapRps));
  const base = rows[0]!;
  console.log(`\n${sc.name}: ${sc.countries.join(',')}, per_page ${sc.perPage}`);
  console.log('| mode | requests | works | seconds | req/s | of cap | req/s vs sequential | works/s | works/s vs sequential | 429s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.mode} | ${r.requests} | ${r.works} | ${r.seconds.toFixed(1)} | ${r.rps.toFixed(1)} | ${((100 * r.rps) / CAP_RPS).toFixed(0)}% | ${(r.rps / base.rps).toFixed(1)}x | ${r.worksPerSecond.toFixed(1)} | ${(r.worksPerSecond / base.worksPerSecond).toFixed(1)}x | ${r.throttled} |`,
    );
  }
}
