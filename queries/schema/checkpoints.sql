-- one row per fetch slice: where its cursor stands, committed with the works it covers
create table if not exists checkpoints (
  slice_id varchar primary key,
  query varchar not null,
  cursor varchar,
  pages_done integer not null,
  works_stored integer not null,
  done boolean not null,
  -- meta.count of the slice's first page: how many works OpenAlex said the query matched when the
  -- walk began, so `reconcile` can tell pages lost (fewer stored) from works added since. Null: not recorded.
  expected integer
)
