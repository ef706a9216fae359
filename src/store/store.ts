/**
 * The DuckDB store: an embedded database file holding the works read, the records set aside,
 * fetch checkpoints and classifications. Every write of a page or batch is one transaction.
 * It persists batches already validated where they were read (model/batch.ts). Its connection is
 * its own: callers go through its methods, with SQL from queries/ by name, one turn at a time.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import { DOUBLE, DuckDBInstance, INTEGER, LIST, VARCHAR, type DuckDBAppender, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { ExitCode, UserError, fsReason } from '../errors.js';
import type { RejectRow, WorkBatch } from '../model/batch.js';
import { isNewerCopy, type Authorship, type MeshHeading, type Work } from '../model/work.js';
import type { PageBatch, SliceCheckpoint, WorkSink } from '../fetch/sink.js';
import { loadQuery } from './queries.js';

/**
 * The order `classified` is written in wherever it is filled whole (the duckdb reader's finish,
 * classify's SQL engine, and its TypeScript engine through a staging table): the medical-AI works
 * together and each part by year, so that DuckDB's zone maps skip the row groups outside a report's
 * window. At 5M works read, the report's totals of the window took 0.65 s instead of 0.92 and its
 * medical-AI works 0.33 s instead of 0.48. Only the layout: every query that needs an order says so.
 */
export const CLASSIFIED_ORDER = ['is_medical_ai', 'year', 'work_id'] as const;

/** How insertFrom() and replaceTableFrom() fill a table: which of the query's columns, in what order. */
export interface TableFill {
  columns?: readonly string[];
  /** Column names the rows are written in order of (the table's physical layout). */
  orderBy?: readonly string[];
}

/** The shared macros (MACROS) on a connection: they are temporary, so every connection makes its own. */
async function createMacros(connection: DuckDBConnection): Promise<void> {
  for (const name of MACROS) await connection.run(loadQuery(`schema/${name}`));
}

function orderClause(orderBy: readonly string[] | undefined): string {
  if (orderBy === undefined || orderBy.length === 0) return '';
  const bad = orderBy.filter((c) => !/^[a-z_][a-z0-9_]*$/.test(c));
  if (bad.length > 0) throw new Error(`not a column name: ${bad.join(', ')}`);
  return `\norder by ${orderBy.join(', ')}`;
}

/** The store's tables, one DDL file each under queries/schema/; a new data set empties them all. */
const SCHEMA = ['works', 'works_stage', 'rejects', 'checkpoints', 'counters', 'meta', 'classified', 'classified_compare', 'compact_stage', 'compact_parts', 'compact_cut'];
/**
 * The columns classified gained later (each work's type, the tagged works' titles, the country set):
 * an older database gains them filled, in one transaction (Store.open), not as unknowns.
 */
const CLASSIFIED_WORK_FIELDS = ['classified_type', 'classified_title', 'classified_country_set'];
/** Columns added since a table was first made, run after SCHEMA so an older database gains them (as unknowns). */
const MIGRATIONS = ['checkpoints_expected', 'checkpoints_fetched_at', 'works_slice_countries', 'works_stage_slice_countries'];
/**
 * Macros the queries share (one statement of a rule used by several queries), made on every
 * connection as it opens. Temporary, so they live with the connection and never in the file:
 * persistent ones were catalog writes on every open and a checkpoint at every close, about 0.2 s
 * of each command on a 5M-work database (`report` included). A database an older version wrote
 * still holds persistent copies; the temporary ones come first in DuckDB's search path.
 */
const MACROS = ['slice_countries', 'country_set', 'csv_dirty', 'csv_cleaned', 'csv_cell', 'snapshot_json_text', 'snapshot_work_id', 'snapshot_year_ok', 'snapshot_reject', 'snapshot_reject_inexact', 'snapshot_author_sets', 'snapshot_weights', 'snapshot_codes_clean', 'snapshot_slice_countries', 'snapshot_jsonl', 'snapshot_parquet', 'snapshot_newest_copies'];
/**
 * The run history (src/pipeline/runs.ts): kept apart from SCHEMA because it outlives the data set
 * (a new snapshot empties SCHEMA, and the next run still diffs against the last one published).
 */
const HISTORY = ['runs', 'run_counts'];

export interface StoreOptions {
  /**
   * DuckDB worker threads. Default: every core the process may use, as DuckDB itself would take;
   * the store sets it explicitly so the number is one decision, visible here.
   */
  threads?: number;
}

/** The DuckDB settings a stage may change for a while (Store.withSettings). */
export type StoreSetting = 'memory_limit' | 'threads';

export class Store implements WorkSink {
  /**
   * The value of each StoreSetting as this store set it (null: DuckDB's default), which
   * withSettings restores. Not read back from DuckDB: it prints memory_limit rounded ("18.8 GiB"),
   * and setting that back moved the limit.
   */
  private readonly settings: Record<StoreSetting, string | null>;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    threads: number,
  ) {
    this.settings = { threads: String(threads), memory_limit: null };
  }

  /** Opens (creating if needed) the database file; `:memory:` works for tests. */
  static async open(path: string, options: StoreOptions = {}): Promise<Store> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`DuckDB threads must be a positive integer, got ${threads}`);
    if (path !== ':memory:') {
      try {
        mkdirSync(dirname(path), { recursive: true });
      } catch (err) {
        // Under a file or in a read-only folder: the user's to fix, named before any work starts.
        throw new UserError(`cannot open database ${path}: cannot create the folder ${dirname(path)} (${fsReason(err)})`);
      }
    }
    let instance: DuckDBInstance;
    try {
      // Spilled data goes beside the database (DuckDB's own default, named here so it is one
      // decision): a snapshot read under a memory limit (src/pipeline/ingest-duckdb.ts) writes there.
      instance = await DuckDBInstance.create(path, path === ':memory:' ? { threads: String(threads) } : { threads: String(threads), temp_directory: `${path}.tmp` });
    } catch (err) {
      const message = (err as Error).message;
      // DuckDB lets one process at a time open a file. Our commands take <db>.lock first and say
      // who holds it; this is another program (or a run of ours in its last instant) that has it.
      if (/Could not set lock on file/i.test(message)) throw new UserError(`cannot open database ${path}: another process has it open (${message})`, ExitCode.busy);
      throw new UserError(`cannot open database ${path}: ${message}`);
    }
    const connection = await instance.connect();
    const store = new Store(path, instance, connection, threads);
    const lacks = (await connection.runAndReadAll(loadQuery('classified_lacks_work_fields'))).getRowObjectsJS()[0]?.lacks === true;
    for (const name of [...SCHEMA, ...MIGRATIONS, ...HISTORY]) await connection.run(loadQuery(`schema/${name}`));
    await createMacros(connection);
    if (lacks) {
      // A classified table made before gains the later columns filled, once: the columns and their
      // values in one transaction, so a kill between them cannot leave them empty for good.
      await inTransaction(connection, async () => {
        for (const name of CLASSIFIED_WORK_FIELDS) await connection.run(loadQuery(`schema/${name}`));
        await connection.run(loadQuery('classified_work_fields_fill'));
      });
    }
    return store;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /** Runs a named query with bound parameters and returns plain JS rows. */
  async query<T = Record<string, unknown>>(
    name: string,
    params: Record<string, DuckDBValue> = {},
    types?: Record<string, DuckDBType>,
  ): Promise<T[]> {
    return this.exclusive(async () => {
      const reader = await this.connection.runAndReadAll(loadQuery(name), params, types);
      return reader.getRowObjectsJS() as T[];
    });
  }

  /** Runs a named statement with bound parameters, for its effect (DDL, insert, update, delete). */
  async run(name: string, params: Record<string, DuckDBValue> = {}, types?: Record<string, DuckDBType>): Promise<void> {
    await this.exclusive(() => this.connection.run(loadQuery(name), params, types));
  }

  /**
   * Fills `table` with the rows of a named query, inside DuckDB: for result sets too large to pass
   * through JavaScript. The query's columns are the table's, in order, unless `columns` names them.
   */
  async insertFrom(
    table: string,
    name: string,
    params: Record<string, DuckDBValue> = {},
    types?: Record<string, DuckDBType>,
    { columns, orderBy }: TableFill = {},
  ): Promise<void> {
    // `columns`: only these of the query's columns, by name (the second rule's verdict from classify_works.sql).
    const sql = `select ${columns === undefined ? '*' : columns.join(', ')} from (\n${loadQuery(name)}\n)${orderClause(orderBy)}`;
    await this.exclusive(() => this.connection.run(`insert into ${table}${columns === undefined ? '' : ` (${columns.join(', ')})`}\n${sql}`, params, types));
  }

  /**
   * Appends rows to `table` in bulk: `fill` writes them to the appender, which is flushed and
   * closed when it returns. `temp` names a temporary table (schema/merged_ids).
   */
  async append(table: string, fill: (app: DuckDBAppender) => Promise<void> | void, options: { temp?: boolean } = {}): Promise<void> {
    await this.exclusive(() => appendRows(this.connection, table, fill, options));
  }

  async tableExists(name: string): Promise<boolean> {
    return (await this.query('table_exists', { name })).length > 0;
  }

  /** The tail of the queue of connection work; parallel fetch slices share one connection. */
  private lastInQueue: Promise<unknown> = Promise.resolve();
  /** Marks the async context of work already holding the connection, so it is not queued again. */
  private readonly holder = new AsyncLocalStorage<Store>();

  /**
   * Runs `fn` with the connection to itself. DuckDB has one transaction per connection, and a
   * statement issued while another caller's transaction is open would run inside it (or cut off
   * its pending result), so every use of the connection waits its turn. Work started from inside
   * a turn (a query within a transaction) runs at once.
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.holder.getStore() === this) return fn();
    const run = (): Promise<T> => this.holder.run(this, fn);
    const next = this.lastInQueue.then(run, run);
    this.lastInQueue = next.catch(() => undefined);
    return next;
  }

  /** True while a transaction is open; one begun inside it joins it (DuckDB does not nest them). */
  private transactionOpen = false;

  /** Runs `body` in a transaction, rolled back whole if it throws. */
  transaction<T>(body: () => Promise<T>): Promise<T> {
    return this.exclusive(async (): Promise<T> => {
      if (this.transactionOpen) return body();
      this.transactionOpen = true;
      try {
        return await this.openTransaction(body);
      } finally {
        this.transactionOpen = false;
      }
    });
  }

  private openTransaction<T>(body: () => Promise<T>): Promise<T> {
    return inTransaction(this.connection, body);
  }

  /**
   * Empties every data table, for a load that replaces the data set (a new snapshot, an API
   * fetch): each is dropped and made again from its DDL, so a store the duckdb reader filled (whose
   * `works` and `classified` were made by aggregation, without primary keys) gets the tables the
   * node reader and the API fetch merge into.
   */
  async clear(keep: readonly string[] = []): Promise<void> {
    // `keep`: tables whose rows stay (a resumed snapshot read keeps the parts it committed).
    const unknown = keep.filter((t) => !SCHEMA.includes(t));
    if (unknown.length > 0) throw new Error(`clear: ${unknown.join(', ')} not in the schema`);
    await this.transaction(async () => {
      for (const t of SCHEMA) if (!keep.includes(t)) await this.connection.run(`drop table if exists ${t}`);
      for (const name of [...SCHEMA, ...MIGRATIONS]) await this.connection.run(loadQuery(`schema/${name}`));
    });
  }

  /**
   * Replaces `table` with the rows of a named query, made inside DuckDB (create or replace table
   * ... as): the table takes the query's columns and no key. For the duckdb reader's compact tables.
   */
  async replaceTableFrom(table: string, name: string, params: Record<string, DuckDBValue> = {}, { orderBy }: Pick<TableFill, 'orderBy'> = {}): Promise<void> {
    await this.exclusive(() => this.connection.run(`create or replace table ${table} as\nselect * from (\n${loadQuery(name)}\n)${orderClause(orderBy)}`, params));
  }

  /**
   * A connection of its own on the same database, for work run beside the store's connection (the
   * duckdb reader reads several files at once, one transaction each). The caller closes it.
   */
  async connect(): Promise<StoreConnection> {
    const connection = await this.instance.connect();
    await createMacros(connection);
    return new StoreConnection(connection);
  }

  /**
   * Sets a DuckDB setting for the whole database (memory_limit, threads). SET takes no bound
   * parameter, so the value is checked to be a plain size or count before it is written into the statement.
   */
  async runSetting(name: StoreSetting, value: string | null): Promise<void> {
    if (value === null) {
      await this.exclusive(() => this.connection.run(`reset ${name}`));
    } else {
      const shape = name === 'threads' ? /^[1-9][0-9]*$/ : /^[0-9.]+ ?[A-Za-z]*$/;
      if (!shape.test(value)) throw new RangeError(`not a DuckDB ${name}: ${value}`);
      await this.exclusive(() => this.connection.run(`set ${name} = '${value}'`));
    }
    this.settings[name] = value;
  }

  /** Runs `body` with these DuckDB settings, the values before restored after (also when it fails). */
  async withSettings<T>(settings: Partial<Record<StoreSetting, string>>, body: () => Promise<T>): Promise<T> {
    const changed = Object.entries(settings) as [StoreSetting, string][];
    const before = changed.map(([name]) => [name, this.settings[name]] as const);
    try {
      for (const [name, value] of changed) await this.runSetting(name, value);
      return await body();
    } finally {
      for (const [name, value] of before) await this.runSetting(name, value);
    }
  }

  /** Runs `body` with DuckDB's memory_limit at `limit`, the store's own setting restored after. */
  async withMemoryLimit<T>(limit: string, body: () => Promise<T>): Promise<T> {
    return this.withSettings({ memory_limit: limit }, body);
  }

  /** A DuckDB setting, as text (`memory_limit`: '300.0 MiB'). */
  async setting(name: string): Promise<string> {
    const [row] = await this.query<{ value: string }>('current_setting', { name });
    return String(row?.value ?? '');
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.run('set_meta', { key, value: JSON.stringify(value) });
  }

  async getMeta<T>(key: string): Promise<T | null> {
    const [row] = await this.query<{ v: unknown }>('get_meta', { key });
    const v = row?.v;
    return typeof v === 'string' ? (JSON.parse(v) as T) : null;
  }

  async counters(): Promise<Record<string, number>> {
    const rows = await this.query<{ name: string; value: bigint }>('counters');
    return Object.fromEntries(rows.map((r) => [String(r.name), Number(r.value)]));
  }

  /**
   * Stores a batch in one transaction: works (a work read twice is stored once, keeping the newest
   * copy), rejects, the running totals and, for a fetched page, its slice checkpoint.
   * Returns how many of the batch's works were duplicates of works already read.
   */
  async commitBatch(batch: WorkBatch & { checkpoint?: SliceCheckpoint }): Promise<{ duplicates: number }> {
    // Within one batch keep one copy per id (the newest), since one insert cannot update a row twice.
    const byId = new Map<string, { work: Work; origin: string }>();
    let duplicates = 0;
    for (const w of batch.works) {
      const seen = byId.get(w.work.id);
      if (seen !== undefined) duplicates++;
      if (seen === undefined || isNewerCopy(w.work, seen.work)) byId.set(w.work.id, w);
    }
    return this.transaction(async () => {
      await this.run('empty_works_stage');
      if (byId.size > 0) {
        await this.append('works_stage', (app) => {
          for (const { work, origin } of byId.values()) appendWork(app, work, origin);
        });
        const [row] = await this.query<{ duplicates: number }>('count_stage_duplicates');
        duplicates += row?.duplicates ?? 0;
        await this.run('merge_works');
      }
      if (batch.rejects.length > 0) {
        await this.append('rejects', (app) => {
          for (const r of batch.rejects) appendReject(app, r);
        });
      }
      await this.run('bump_counter', { name: 'records_read', delta: batch.recordsRead });
      await this.run('bump_counter', { name: 'duplicates', delta: duplicates });
      if (batch.checkpoint !== undefined) await this.saveCheckpoint(batch.checkpoint);
      return { duplicates };
    });
  }

  async commitPage(batch: PageBatch): Promise<void> {
    await this.commitBatch(batch);
  }

  /** Saves a slice's checkpoint alone (a refresh recording the counts and date it checked a slice at). */
  async saveCheckpoint(c: SliceCheckpoint): Promise<void> {
    await this.run('upsert_checkpoint', {
      slice_id: c.sliceId,
      query: c.query,
      cursor: c.cursor,
      pages_done: c.pagesDone,
      works_stored: c.worksStored,
      done: c.done,
      expected: c.expected ?? null,
      fetched_at: c.fetchedAt ?? null,
    }, { expected: INTEGER, fetched_at: VARCHAR });
  }

  async getCheckpoint(sliceId: string): Promise<SliceCheckpoint | null> {
    const [r] = await this.query('get_checkpoint', { id: sliceId });
    if (r === undefined) return null;
    return {
      sliceId: String(r.slice_id),
      query: String(r.query),
      cursor: r.cursor === null ? null : String(r.cursor),
      pagesDone: Number(r.pages_done),
      worksStored: Number(r.works_stored),
      done: r.done === true,
      ...(r.expected === null || r.expected === undefined ? {} : { expected: Number(r.expected) }),
      ...(typeof r.fetched_at === 'string' ? { fetchedAt: r.fetched_at } : {}),
    };
  }

  async getWork(id: string): Promise<Work | null> {
    const [row] = await this.query('work_by_id', { id });
    return row === undefined ? null : rowToWork(row);
  }

  /** The repairs noted per work (an abstract set aside, index entries skipped), for explain and evaluate. */
  async repairNotes(): Promise<Map<string, string[]>> {
    const notes = new Map<string, string[]>();
    for (const r of await this.query<{ work_id: string; reason: string }>('repair_notes')) {
      notes.set(r.work_id, [...(notes.get(r.work_id) ?? []), r.reason]);
    }
    return notes;
  }

  /** Every stored work, streamed in chunks so a snapshot-scale table never sits in memory at once. */
  async *iterateWorks(): AsyncGenerator<Work> {
    // A connection of its own: a streaming result is cut off by any other query on its connection,
    // and the caller may write (classifications) while it reads.
    const reader = await this.instance.connect();
    try {
      const result = await reader.stream(loadQuery('works_all'));
      for await (const rows of result.yieldRowObjectJs()) {
        for (const row of rows) yield rowToWork(row);
      }
    } finally {
      reader.closeSync();
    }
  }
}

/**
 * One connection of the store's database beside its own (Store.connect): named queries with bound
 * parameters and one transaction at a time, used by one caller. DuckDB gives each connection its
 * own transaction, so work on several of them runs at once.
 */
export class StoreConnection {
  constructor(private readonly connection: DuckDBConnection) {}

  async query<T = Record<string, unknown>>(name: string, params: Record<string, DuckDBValue> = {}, types?: Record<string, DuckDBType>): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(loadQuery(name), params, types);
    return reader.getRowObjectsJS() as T[];
  }

  async run(name: string, params: Record<string, DuckDBValue> = {}, types?: Record<string, DuckDBType>): Promise<void> {
    await this.connection.run(loadQuery(name), params, types);
  }

  /** Runs SQL text the caller built from fixed parts (a temp table made from a named query). */
  async runSql(sql: string, params: Record<string, DuckDBValue> = {}, types?: Record<string, DuckDBType>): Promise<void> {
    await this.connection.run(sql, params, types);
  }

  /** Fills `table` with the rows of a named query, inside DuckDB. */
  async insertFrom(table: string, name: string, params: Record<string, DuckDBValue> = {}, types?: Record<string, DuckDBType>): Promise<void> {
    await this.connection.run(`insert into ${table}\n${loadQuery(name)}`, params, types);
  }

  /** Appends rows to `table` in bulk, flushed when `fill` returns. */
  async append(table: string, fill: (app: DuckDBAppender) => Promise<void> | void, options: { temp?: boolean } = {}): Promise<void> {
    await appendRows(this.connection, table, fill, options);
  }

  /** Runs `body` in a transaction of this connection, rolled back whole if it throws. */
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    return inTransaction(this.connection, body);
  }

  close(): void {
    this.connection.closeSync();
  }
}

/** The list types the appenders need spelled out (an empty list has no item type of its own): notes, terms, countries, weights. */
export const VARCHAR_LIST = LIST(VARCHAR);
export const DOUBLE_LIST = LIST(DOUBLE);

/** An appender on `table` of `connection`; `temp`: a temp table of that connection (the store's and each extra connection's). */
function openAppender(connection: DuckDBConnection, table: string, options: { temp?: boolean }): Promise<DuckDBAppender> {
  return options.temp === true ? connection.createAppender(table, 'main', 'temp') : connection.createAppender(table);
}

/**
 * Fills an appender of `table` and flushes it, closing it either way. After a failure (a bad value,
 * DuckDB out of memory while flushing) the rows appended so far go with the transaction the caller
 * rolls back, and the error is the first one: closing flushes again, and in a transaction DuckDB has
 * aborted it fails with "Current transaction is aborted", which would hide the cause.
 */
async function appendRows(connection: DuckDBConnection, table: string, fill: (app: DuckDBAppender) => Promise<void> | void, options: { temp?: boolean }): Promise<void> {
  const app = await openAppender(connection, table, options);
  try {
    await fill(app);
    app.flushSync();
  } catch (err) {
    try {
      app.closeSync();
    } catch {
      // A second failure would hide the first.
    }
    throw err;
  }
  app.closeSync();
}

/** Runs `body` in a transaction of `connection`, rolled back whole if it throws (the store's and each extra connection's). */
async function inTransaction<T>(connection: DuckDBConnection, body: () => Promise<T>): Promise<T> {
  await connection.run('begin transaction');
  try {
    const out = await body();
    await connection.run('commit');
    return out;
  } catch (err) {
    // DuckDB may have ended a transaction it aborted (out of memory, say): the rollback then fails
    // with "no transaction is active", and the error to report is still the body's.
    await connection.run('rollback').catch(() => undefined);
    throw err;
  }
}

/** One `rejects` row, in the column order of queries/schema/rejects.sql (the store's and the duckdb reader's). */
export function appendReject(app: DuckDBAppender, r: RejectRow): void {
  app.appendVarchar(r.kind);
  app.appendVarchar(r.origin);
  appendNullable(app, r.workId);
  app.appendVarchar(r.reason);
  appendNullable(app, r.raw);
  app.endRow();
}

export function appendNullable(app: DuckDBAppender, v: string | null): void {
  if (v === null) app.appendNull();
  else app.appendVarchar(v);
}

/** One `works` row, in the column order of queries/schema/works.sql. */
function appendWork(app: DuckDBAppender, w: Work, origin: string): void {
  app.appendVarchar(w.id);
  app.appendInteger(w.year);
  appendNullable(app, w.title);
  appendNullable(app, w.abstract);
  app.appendVarchar(JSON.stringify(w.authorships));
  app.appendBoolean(w.authorsTruncated);
  appendNullable(app, w.mesh === null ? null : JSON.stringify(w.mesh));
  appendNullable(app, w.type);
  appendNullable(app, w.language);
  appendNullable(app, w.updatedDate);
  app.appendVarchar(origin);
  // slice_countries: derived from the authorships stored beside it (schema/slice_countries.sql).
  app.appendNull();
  app.endRow();
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function rowToWork(r: Record<string, unknown>): Work {
  return {
    id: String(r.work_id),
    year: Number(r.year),
    title: str(r.title),
    abstract: str(r.abstract),
    authorships: JSON.parse(String(r.authorships ?? '[]')) as Authorship[],
    authorsTruncated: r.authors_truncated === true,
    mesh: typeof r.mesh === 'string' ? (JSON.parse(r.mesh) as MeshHeading[]) : null,
    type: str(r.type),
    language: str(r.language),
    updatedDate: str(r.updated_date),
  };
}
