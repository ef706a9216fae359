-- one row per usable record the duckdb reader read (every copy of a work, from every file): what the
-- newest-copy aggregation (queries/snapshot/finish_newest.sql) makes `works` and `classified` from;
-- emptied once it has. No primary key: an index on millions of ids does not fit the memory limit.
create table if not exists compact_stage (
  work_id varchar not null,
  year integer not null,
  type varchar,
  title varchar,
  language varchar,
  updated_date varchar,
  authors_truncated boolean,
  origin varchar not null,
  -- The file's place in the sorted read order and the record's line: the tie-break of two copies
  -- with one updated_date, the copy read first staying (isNewerCopy in src/model/work.ts).
  file_order integer not null,
  line bigint not null,
  slice_countries varchar[],
  countries varchar[] not null,
  weights double[] not null,
  is_medical boolean not null,
  is_ai boolean not null,
  is_medical_ai boolean not null,
  matched_terms varchar[] not null
)
