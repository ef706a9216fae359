-- one row per year in the window: distinct medical-AI papers with at least one known affiliation country
with

years as (
  select unnest(generate_series($from_year::integer, $to_year::integer))::integer as year
),

tagged as (
  select year, count(*)::integer as papers
  from classified
  -- The share denominator counts only papers that can be attributed to some country, so gaps in
  -- affiliation data do not depress every country's share alike.
  where is_medical_ai and len(countries) > 0
    and year between $from_year and $to_year
    -- --types: only works of these OpenAlex types count (an empty list: every type).
    and (len($types::varchar[]) = 0 or work_id in (select work_id from works where list_contains($types::varchar[], type)))
    -- --merge-versions: the later version of a paper in version_pairs counts through the earlier.
    and not ($merge_versions and work_id in (select later_id from version_pairs))
  group by year
),

final as (
  select y.year, coalesce(tagged.papers, 0) as papers
  from years y
  left join tagged using (year)
  order by y.year
)

select * from final
