-- one row per running total kept by the ingest (records read, duplicates)
create table if not exists counters (
  name varchar primary key,
  value bigint not null
)
