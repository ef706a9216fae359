/**
 * `medai-trends reconcile`: the stored data set against its source (OpenAlex's counts now and at
 * fetch time, or a snapshot's manifest), printed as a table or JSON; exit 5 when records were lost.
 */
import { existsSync } from 'node:fs';
import { ExitCode, UserError } from '../errors.js';
import { reconcile, reconcileText, reconcileVerdict } from '../pipeline/reconcile.js';
import { apiBaseUrl } from '../pipeline/source.js';
import { lockEffects } from '../pipeline/lock.js';
import { openLockedStore } from '../pipeline/locked-store.js';
import type { CliIo } from './io.js';
import { FETCH_DEFAULTS, Problems, RECONCILE_BUDGET_USD, integer, parseCountries, parseDb, parseWait, parseYear } from './options.js';

export interface ReconcileFlags {
  db: string;
  threads?: string;
  from?: string;
  to?: string;
  countries?: string;
  budgetUsd?: string;
  maxRps?: string;
  manifest?: string;
  json?: boolean;
  wait?: string;
}

/** The action of `reconcile`, declared in main.ts. */
export async function reconcileCommand(o: ReconcileFlags, io: CliIo): Promise<void> {
  const p = new Problems();
  const db = parseDb(p, o);
  const from = parseYear(p, '--from', o.from);
  const to = parseYear(p, '--to', o.to);
  const countries = o.countries === undefined ? null : parseCountries(p, o.countries);
  const budget = o.budgetUsd === undefined ? RECONCILE_BUDGET_USD : /^(\d+\.?\d*|\.\d+)$/.test(o.budgetUsd) ? Number(o.budgetUsd) : NaN;
  if (!(budget > 0)) p.add(`--budget-usd must be a positive amount, got "${o.budgetUsd}"`);
  const maxRps = integer(p, '--max-rps', o.maxRps, FETCH_DEFAULTS.maxRps, 1, 100);
  const wait = parseWait(p, o.wait);
  p.throwIfAny();
  // Reconciling must not create an empty database as a side effect.
  if (!existsSync(db.path)) throw new UserError(`no database at ${db.path}: fetch first (or give --db)`, ExitCode.usage);
  // It only reads, but DuckDB lets one process open the file: it takes the lock as a writer does.
  const locked = await openLockedStore(db, wait, lockEffects(io.effects.log));
  const { store } = locked;
  try {
    const result = await reconcile(
      store,
      {
        baseUrl: apiBaseUrl(io.env.OPENALEX_BASE_URL),
        apiKey: io.env.OPENALEX_API_KEY ?? '',
        budgetUsd: budget,
        maxRps,
        from,
        to,
        countries,
        manifest: o.manifest ?? null,
      },
      io.effects,
    );
    io.effects.stdout(o.json === true ? `${JSON.stringify(result, null, 2)}\n` : reconcileText(result));
    const verdict = reconcileVerdict(result);
    if (verdict !== null) throw verdict;
  } finally {
    locked.close();
  }
}
