-- one row per year whose country counts do not add back to the papers they came from (empty when sound)
with

tagged as (
  select work_id, year, countries
  from classified
  where is_medical and is_ai
    and year between $from_year and $to_year
),

-- Summed over every country, full counts must equal the sum of each paper's country-set size.
expected as (
  select year, sum(len(countries))::integer as country_papers, count(*)::integer as papers
  from tagged
  group by year
),

observed as (
  select year, count(*)::integer as country_papers, count(distinct work_id)::integer as papers
  from (select year, work_id, unnest(countries) as country from tagged)
  group by year
),

final as (
  select e.year, e.country_papers as expected, coalesce(o.country_papers, 0) as observed
  from expected e
  left join observed o using (year)
  where e.country_papers <> coalesce(o.country_papers, 0)
     or coalesce(o.papers, 0) > e.papers
)

select * from final
