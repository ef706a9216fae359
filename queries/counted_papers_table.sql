-- one row per paper counted: the medical-AI works in scope (scope_table.sql); with --merge-versions a
-- later version joins the paper's earliest (version_map_table.sql), in its year, and the paper's
-- countries are the union of its versions'
-- reads: scope, version_map
create or replace temp table counted_papers as
with

versions as (
  select coalesce(m.kept_id, s.work_id) as work_id, coalesce(m.kept_year, s.year) as year, s.countries
  from scope s
  left join version_map m on m.later_id = s.work_id
  -- The keyword rule's verdict (both a medical and an AI keyword by default; see src/classify/).
  where s.is_medical_ai
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
