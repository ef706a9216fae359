-- one row per snapshot part the duckdb reader read to its end, committed with its rows: what it was and how many records it held
create table if not exists compact_parts (
  path varchar not null,
  bytes bigint not null,
  sha256 varchar not null,
  records bigint not null
)
