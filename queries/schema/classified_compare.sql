-- one row per classified work: the verdict of the second keyword rule (--compare-keywords), kept
-- apart from `classified` so the main rule's table and its columns stay the one rule's
create table if not exists classified_compare (
  work_id varchar primary key,
  is_medical_ai boolean not null
)
