/**
 * Which classifier fills the table: the TypeScript one (the default, the reference the SQL is
 * tested against) or its SQL twin, which runs inside DuckDB so no work passes through JavaScript.
 * On two cores the whole stage takes about as long either way (bench/classify.ts). Both give the
 * same table; test/pipeline/engine.test.ts checks it on the real corpus.
 * Named apart from the stage that runs them, so the CLI validates --engine without loading DuckDB.
 */
export type ClassifyEngine = 'ts' | 'sql';
export const CLASSIFY_ENGINES: readonly ClassifyEngine[] = ['ts', 'sql'];
