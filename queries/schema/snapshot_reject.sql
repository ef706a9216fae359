-- Why a record cannot be used, in normalizeWork()'s words (src/model/work.ts), checked in its order;
-- null when it can. Arguments are JSON values as read (SQL null: the key is absent or null);
-- `title` is `title ?? display_name`. (A record that is not an object, or authorships that are not
-- a list, stop DuckDB's typed read instead: see snapshot_jsonl.sql.) Where a reason quotes a value
-- DuckDB cannot write as JSON.stringify() would, the value is DuckDB's text and
-- snapshot_reject_inexact() is true.
create or replace temp macro snapshot_reject(id, year, title) as
  case
    when id is null then 'missing id'
    when snapshot_work_id(id) is null then 'id is not an OpenAlex work id: ' || left(coalesce(snapshot_json_text(id), id::varchar), 80)
    when year is null or json_type(year) = 'NULL' then 'missing publication_year'
    when not snapshot_year_ok(year) then 'publication_year is not a year: ' || coalesce(snapshot_json_text(year), year::varchar)
    when title is not null and json_type(title) <> 'VARCHAR'
      then 'title is not a string: ' || case when json_type(title) = 'BOOLEAN' then 'boolean' when json_type(title) in ('OBJECT', 'ARRAY') then 'object' else 'number' end
  end
