-- Temp table snapshot_read: one row per record from line $from to line $to of the part in temp table
-- snapshot_source (read by schema/snapshot_jsonl.sql or snapshot_parquet.sql; a slice, see
-- src/pipeline/read-part.ts) with its abstract from temp table snapshot_text: the work as
-- normalizeWork() (src/model/work.ts) reads it, its countries as countryShares()
-- (src/classify/countries.ts) counts them under $fold_hk_mo, or why it cannot be used; `precise`
-- where SQL does not reproduce that exactly and the node reader reads the record.
-- reads: snapshot_source, snapshot_text
create or replace temp table snapshot_read as
with placed as (
  select
    s.*,
    t.abstract,
    t.notes as abstract_notes,
    coalesce(t.precise, false) as abstract_precise,
    snapshot_author_sets(s.auths, $fold_hk_mo) as author_sets,
    snapshot_reject(s.id, s.year, s.title) as reject
  from snapshot_source s
  left join snapshot_text t on t.line = s.line
  where s.line between $from and $to
),
graded as (
  select *, list_sort(list_distinct(flatten(author_sets))) as countries from placed
)
select
  line,
  snapshot_work_id(id) as work_id,
  case when snapshot_year_ok(year) then year::double::integer end as year,
  case when json_type(title) = 'VARCHAR' then title ->> '$' end as title,
  abstract,
  type,
  language,
  updated_date,
  authors_truncated,
  snapshot_slice_countries(auths) as slice_countries,
  countries,
  snapshot_weights(author_sets, countries) as weights,
  reject,
  case when reject is null then coalesce(abstract_notes, []::varchar[]) else []::varchar[] end as notes,
  coalesce(
    (reject is not null and (reject_needs_node or snapshot_reject_inexact(id, year)))
    or (reject is null and (
      not snapshot_codes_clean(auths)
      or abstract_precise)),
    false) as precise,
  null::varchar as raw
from graded
order by line
