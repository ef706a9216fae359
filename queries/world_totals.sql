-- one row per year in the window: distinct medical-AI papers with at least one known affiliation country
with

years as (
  select unnest(generate_series($from_year::integer, $to_year::integer))::integer as year
),

tagged as (
  -- --merge-versions: a later version of a paper counts as its earliest (version_map_table.sql).
  select coalesce(m.kept_year, c.year) as year, count(distinct coalesce(m.kept_id, c.work_id))::integer as papers
  from classified c
  left join version_map m on $merge_versions and m.later_id = c.work_id
  -- The share denominator counts only papers that can be attributed to some country, so gaps in
  -- affiliation data do not depress every country's share alike.
  where c.is_medical_ai and len(c.countries) > 0
    and c.year between $from_year and $to_year
    -- --types: only works of these OpenAlex types count (an empty list: every type).
    and (len($types::varchar[]) = 0 or c.work_id in (select work_id from works where list_contains($types::varchar[], type)))
  group by all
),

final as (
  select y.year, coalesce(tagged.papers, 0) as papers
  from years y
  left join tagged using (year)
  order by y.year
)

select * from final
