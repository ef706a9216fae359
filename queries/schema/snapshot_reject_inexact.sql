-- Whether snapshot_reject() quotes a value in text that may differ from JSON.stringify()'s.
create or replace temp macro snapshot_reject_inexact(id, year) as
  id is not null and (
    (snapshot_work_id(id) is null and snapshot_json_text(id) is null)
    or (snapshot_work_id(id) is not null and year is not null and json_type(year) <> 'NULL' and not snapshot_year_ok(year) and snapshot_json_text(year) is null))
