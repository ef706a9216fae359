/**
 * `medai-trends estimate`: what a fetch would cost before it costs anything but the counting
 * (one `group_by=publication_year` call per country and keyword chunk): works, pages and USD per
 * year x country, against the budget a fetch would run with.
 */
import { existsSync } from 'node:fs';
import { loadKeywordRules, searchTerms } from '../classify/keywords.js';
import { ExitCode, UserError } from '../errors.js';
import { estimate, type Estimate } from '../fetch/fetcher.js';
import { fetchCountries } from '../classify/countries.js';
import { apiBaseUrl, NO_KEY_MESSAGE } from '../pipeline/source.js';
import { lockEffects } from '../pipeline/lock.js';
import { openLockedStore } from '../pipeline/locked-store.js';
import type { CliIo } from './io.js';
import { parseFetch, parseScope, parseWait, Problems, type FetchFlags } from './options.js';

export interface EstimateFlags extends FetchFlags {
  from?: string;
  to?: string;
  countries?: string;
  countryPolicy?: string;
  keywords?: string;
  db?: string;
  json?: boolean;
  wait?: string;
}

/** One row per year x country (keyword chunks summed): the grain a reader plans by. */
function estimateTable(est: Estimate): string {
  const rows = new Map<string, { works: number; pages: number; usd: number }>();
  for (const s of est.slices) {
    const key = `${s.year} ${s.country}`;
    const row = rows.get(key) ?? { works: 0, pages: 0, usd: 0 };
    row.works += s.works;
    row.pages += s.pagesLeft;
    row.usd += s.usdLeft;
    rows.set(key, row);
  }
  const lines = ['year country      works  pages     usd'];
  for (const [key, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    const [year, country] = key.split(' ');
    lines.push(`${year} ${country!.padEnd(7)} ${String(r.works).padStart(10)} ${String(r.pages).padStart(6)} ${r.usd.toFixed(4).padStart(7)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The action of `estimate`, declared in main.ts. */
export async function estimateCommand(o: EstimateFlags, io: CliIo): Promise<void> {
  const p = new Problems();
  const scope = parseScope(p, o);
  const f = parseFetch(p, o);
  const wait = parseWait(p, o.wait);
  p.throwIfAny();
  const apiKey = io.env.OPENALEX_API_KEY ?? '';
  if (apiKey === '') throw new UserError(NO_KEY_MESSAGE, ExitCode.usage);
  const baseUrl = apiBaseUrl(io.env.OPENALEX_BASE_URL);
  const rules = await loadKeywordRules(scope.keywordsDir);
  // Only an existing database is read: estimating must not create one as a side effect. Reading
  // it takes its lock all the same: DuckDB lets one process open the file.
  const locked = o.db !== undefined && existsSync(o.db) ? await openLockedStore({ path: o.db }, wait, lockEffects(io.effects.log)) : null;
  const store = locked?.store ?? null;
  try {
    const est = await estimate({
      baseUrl,
      apiKey,
      from: scope.from,
      to: scope.to,
      countries: fetchCountries(scope.countries, scope.countryPolicy),
      prefilter: f.prefilter === 'none' ? null : searchTerms(rules),
      maxRps: f.maxRps,
      perPage: f.perPage,
      budgetUsd: f.budgetUsd,
      ...(store === null ? {} : { checkpoints: store }),
    }, io.effects);
    const within = est.usdLeft <= f.budgetUsd;
    if (o.json === true) {
      io.effects.stdout(`${JSON.stringify({ ...est, budgetUsd: f.budgetUsd, withinBudget: within }, null, 2)}\n`);
      return;
    }
    io.effects.stdout(estimateTable(est));
    io.effects.stdout(
      `total: ${est.works} works (a work with authors in two countries, or matching two keyword chunks, counts in each), ` +
        `${est.pagesLeft} pages to request in ${est.slices.filter((s) => !s.done).length} of ${est.slices.length} slices, ` +
        `about $${est.usdLeft.toFixed(4)}; counting took ${est.countRequests} calls ($${est.countUsd.toFixed(4)}).\n` +
        (within
          ? `within --budget-usd $${f.budgetUsd}.\n`
          : `exceeds --budget-usd $${f.budgetUsd}: a fetch would refuse to start without --yes, and with it would stop at the cap and resume on the next run.\n`),
    );
  } finally {
    locked?.close();
  }
}
