-- one row per paper counted in the window: medical AI, of the selected types (--types); with
-- --merge-versions a later version joins the paper's earliest (version_map_table.sql), in its year,
-- and the paper's countries are the union of its versions'
create or replace temp table counted_papers as
with

versions as (
  select coalesce(m.kept_id, c.work_id) as work_id, coalesce(m.kept_year, c.year) as year, c.countries
  from classified c
  left join version_map m on $merge_versions and m.later_id = c.work_id
  -- The keyword rule's verdict (both a medical and an AI keyword by default; see src/classify/).
  where c.is_medical_ai
    and c.year between $from_year and $to_year
    -- --types: only works of these OpenAlex types count (an empty list: every type).
    and (len($types::varchar[]) = 0 or c.work_id in (select work_id from works where list_contains($types::varchar[], type)))
),

final as (
  select
    work_id,
    year,
    -- A paper of one version keeps its set as stored, so check_full_counting.sql still catches a
    -- set holding a country twice.
    case when count(*) = 1 then any_value(countries) else list_distinct(flatten(list(countries))) end as countries
  from versions
  group by work_id, year
)

select * from final
