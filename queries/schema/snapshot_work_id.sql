-- The short work id (W123) of a record's `id` JSON value, as shortWorkId() in src/model/work.ts:
-- a string `W<digits>`, optionally behind `https://openalex.org/`; null for anything else.
create or replace temp macro snapshot_work_id(id) as
  case when json_type(id) = 'VARCHAR' then nullif(regexp_extract(id ->> '$', '^(?:https://openalex\.org/)?(W[0-9]+)$', 1), '') end
