/**
 * `classified` carries each work's type, the title of the works the rule tags as medical AI and
 * the country set as text (schema/classified.sql), so the report reads no other title and groups
 * the window's works by a text. Every writer copies them from the
 * works it classified, and a database made before them gains them filled when it is opened.
 * The real corpus, real DuckDB files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_KEYWORDS_DIR, loadKeywordRules } from '../../src/classify/keywords.js';
import { quietEffects } from '../../src/effects/effects.js';
import { classifyStore } from '../../src/pipeline/classify.js';
import { ingestSnapshotDuckdb } from '../../src/pipeline/ingest-duckdb.js';
import { loadFromSnapshot } from '../../src/pipeline/source.js';
import { Store } from '../../src/store/store.js';
import { WORKS_FILE } from '../support/paths.js';
import { sqlRows, sqlRun } from '../support/store-sql.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medai-work-fields-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** How classified's copies compare with `works`: rows whose type or title differ from what they should be. */
async function copies(store: Store): Promise<{ rows: number; tagged: number; titled: number; wrong: number }> {
  const [r] = await sqlRows(
    store,
    `select
       count(*)::integer as rows,
       count(*) filter (where c.is_medical_ai)::integer as tagged,
       count(c.title)::integer as titled,
       count(*) filter (
         where c.type is distinct from w.type
            or c.title is distinct from (case when c.is_medical_ai then w.title end)
            or c.country_set is distinct from array_to_string(c.countries, ',')
       )::integer as wrong
     from classified c
     left join works w on w.work_id = c.work_id`,
  );
  return r as { rows: number; tagged: number; titled: number; wrong: number };
}

describe("classified's copies of the works' types and titles", () => {
  it.each(['ts', 'sql'] as const)('are made by the %s engine', async (engine) => {
    const store = await Store.open(join(dir, `${engine}.duckdb`));
    try {
      await loadFromSnapshot(store, [WORKS_FILE]);
      await classifyStore(store, await loadKeywordRules(DEFAULT_KEYWORDS_DIR), 'separate', engine);
      const c = await copies(store);
      expect(c.rows).toBeGreaterThan(2000);
      expect(c.tagged).toBeGreaterThan(0);
      // Every tagged real record has a title; no other work's title is copied.
      expect({ titled: c.titled, wrong: c.wrong }).toEqual({ titled: c.tagged, wrong: 0 });
      const [{ types }] = (await sqlRows(store, 'select count(distinct type)::integer as types from classified')) as [{ types: number }];
      expect(types).toBeGreaterThan(3);
    } finally {
      store.close();
    }
  });

  it('are made by the duckdb snapshot reader', async () => {
    const store = await Store.open(join(dir, 'duckdb.duckdb'));
    try {
      await ingestSnapshotDuckdb(store, [WORKS_FILE], await loadKeywordRules(DEFAULT_KEYWORDS_DIR), 'separate', quietEffects);
      const c = await copies(store);
      expect(c.tagged).toBeGreaterThan(0);
      expect({ titled: c.titled, wrong: c.wrong }).toEqual({ titled: c.tagged, wrong: 0 });
    } finally {
      store.close();
    }
  });

  it('are filled in a database whose classified table was made before them, once, when it is opened', async () => {
    const path = join(dir, 'older.duckdb');
    const made = await Store.open(path);
    await loadFromSnapshot(made, [WORKS_FILE]);
    await classifyStore(made, await loadKeywordRules(DEFAULT_KEYWORDS_DIR), 'separate', 'sql');
    const expected = await sqlRows(made, 'select work_id, type, title, country_set from classified order by work_id');
    // The table as an older version left it: no type, title or country set.
    await sqlRun(made, 'alter table classified drop column country_set');
    await sqlRun(made, 'alter table classified drop column title');
    await sqlRun(made, 'alter table classified drop column type');
    made.close();

    const opened = await Store.open(path);
    try {
      expect(await sqlRows(opened, 'select work_id, type, title, country_set from classified order by work_id')).toEqual(expected);
      expect((await copies(opened)).wrong).toBe(0);
      // Filled once: a later change to `works` is not copied again at the next open (the writers copy it).
      await sqlRun(opened, "update works set title = 'changed' where work_id in (select work_id from classified where is_medical_ai)");
    } finally {
      opened.close();
    }
    const again = await Store.open(path);
    try {
      const [{ changed }] = (await sqlRows(again, "select count(*)::integer as changed from classified where title = 'changed'")) as [{ changed: number }];
      expect(changed).toBe(0);
    } finally {
      again.close();
    }
  });
});
