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
  origin varchar not null
)
