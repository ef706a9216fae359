-- one row per work id OpenAlex merged into another, from the snapshot's merged_ids lists
create or replace temp table merged_ids (
  work_id varchar not null,
  merge_into_id varchar not null,
  merge_date varchar,
  origin varchar not null
)
