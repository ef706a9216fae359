-- one row per `run` or `refresh`: what it was asked, what data it read, what it cost and how it ended
-- outcome: running (begun; a killed run stays so), ok (outputs published), no-change (nothing to redo),
-- failed (stopped by an error), abandoned (found still running by a later run: it was killed)
create table if not exists runs (
  run_id varchar primary key,
  started_at varchar not null,
  ended_at varchar,
  command varchar not null,
  scope json not null,
  settings json not null,
  source varchar,
  data_date varchar,
  cost_usd double,
  outcome varchar not null,
  changes_over_threshold integer,
  exit_code integer,
  message varchar
)
