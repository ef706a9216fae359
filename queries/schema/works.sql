-- one row per distinct OpenAlex work read (the newest copy when a work was read twice)
create table if not exists works (
  work_id varchar primary key,
  year integer not null,
  title varchar,
  abstract varchar,
  authorships json,
  authors_truncated boolean,
  mesh json,
  type varchar,
  language varchar,
  updated_date varchar,
  origin varchar not null,
  -- The countries the fetch's `authorships.countries` filter finds the work under (schema/slice_countries.sql),
  -- kept by the duckdb reader, which stores no authorships; null when the authorships are stored.
  slice_countries varchar[]
)
