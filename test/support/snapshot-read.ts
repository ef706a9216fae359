/**
 * The per-connection temp table `snapshot_read` that the duckdb snapshot reader fills from one
 * part file (queries/schema/snapshot_jsonl.sql), made here from already normalized works, so the
 * statements that read it (queries/snapshot/stage_classified.sql) can be tested and measured
 * without the reader.
 */
import { DOUBLE, LIST, VARCHAR } from '@duckdb/node-api';
import { countryShares, type CountryPolicy } from '../../src/classify/countries.js';
import type { Work } from '../../src/model/work.js';
import type { Store } from '../../src/store/store.js';
import { sqlRun } from './store-sql.js';

/** The reader's columns, in its order (docs: /work/ctx/10.md, step 1). */
const SNAPSHOT_READ = `create or replace temp table snapshot_read (
  line bigint, work_id varchar, year integer, title varchar, abstract varchar, type varchar,
  language varchar, updated_date varchar, authors_truncated boolean, slice_countries varchar[],
  countries varchar[], weights double[], reject varchar, notes varchar[], precise boolean, raw varchar
)`;

/** Any author's or institution's country, before the policy, distinct (as slice_countries.sql). */
function sliceCountries(w: Work): string[] {
  const all = w.authorships.flatMap((a) => [...(a.countries ?? []), ...a.institutionCountries.filter((c): c is string => c !== null)]);
  return [...new Set(all)].sort();
}

/**
 * Replaces `snapshot_read` with `rejected` rejected records (reject set, no work: lines 1 to
 * `rejected`), which the classifier must skip, then `works`, in order.
 */
export async function fillSnapshotRead(store: Store, works: readonly Work[], policy: CountryPolicy = 'separate', rejected = 0): Promise<void> {
  await sqlRun(store, SNAPSHOT_READ);
  const list = LIST(VARCHAR);
  let line = 0;
  await store.append(
    'snapshot_read',
    (app) => {
      const nullable = (v: string | null) => (v === null ? app.appendNull() : app.appendVarchar(v));
      for (let i = 0; i < rejected; i++) {
        app.appendBigInt(BigInt(++line));
        for (let k = 0; k < 8; k++) app.appendNull();
        app.appendList([], list);
        app.appendList([], list);
        app.appendList([], LIST(DOUBLE));
        app.appendVarchar('missing publication_year');
        app.appendList([], list);
        app.appendBoolean(false);
        app.appendVarchar('{"id":"W1"}');
        app.endRow();
      }
      for (const w of works) {
        const shares = countryShares(w.authorships, policy);
        app.appendBigInt(BigInt(++line));
        app.appendVarchar(w.id);
        app.appendInteger(w.year);
        nullable(w.title);
        nullable(w.abstract);
        nullable(w.type);
        nullable(w.language);
        nullable(w.updatedDate);
        app.appendBoolean(w.authorsTruncated);
        app.appendList(sliceCountries(w), list);
        app.appendList(shares.countries, list);
        app.appendList(shares.weights, LIST(DOUBLE));
        app.appendNull();
        app.appendList([], list);
        app.appendBoolean(false);
        app.appendNull();
        app.endRow();
      }
    },
    { temp: true },
  );
}

