-- one row per distinct work read whose year is in the window, that has a selected country and is of a selected type
create or replace temp table works_scope as
with

final as (
  select
    w.work_id,
    w.year,
    w.type,
    w.title,
    c.countries,
    c.is_medical,
    c.is_ai,
    c.is_medical_ai,
    c.matched_terms,
    -- The earlier version this work is counted through, when --merge-versions merged it.
    case when $merge_versions then v.kept_id end as merged_into
  from works w
  join classified c using (work_id)
  left join version_map v on v.later_id = w.work_id
  -- The scope is what an API query for this window and these countries returns, so snapshot and
  -- API runs list the same works.
  where w.year between $from_year and $to_year
    and len(list_intersect(c.countries, $countries::varchar[])) > 0
    -- --types: only works of these OpenAlex types are in scope (an empty list: every type).
    and (len($types::varchar[]) = 0 or list_contains($types::varchar[], w.type))
)

select * from final
