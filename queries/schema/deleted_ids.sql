-- one row per row of the snapshot's deleted_ids.csv lists: a work OpenAlex deleted, and when
create or replace temp table deleted_ids (
  work_id varchar not null,
  deleted_date varchar,
  origin varchar not null
)
