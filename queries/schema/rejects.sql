-- one row per record set aside (rejected) or kept after a repair (repaired), with its reason
create table if not exists rejects (
  kind varchar not null,
  origin varchar not null,
  work_id varchar,
  reason varchar not null,
  raw varchar
)
