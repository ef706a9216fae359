-- one row per year of the Scope x (WORLD, then each selected country): every work read in the window, those with an AI keyword, a medical keyword, and the medical-AI papers counted
-- reads: scope_cells, scope_profile, counted_papers
-- The baselines of a snapshot, from the local data: all works of the country that year (every
-- classified work of the window and --types, tagged or not), is_ai and is_medical by the local rule,
-- and medical_ai the papers the counts count (counted_papers, so --merge-versions applies to it
-- alone). WORLD is every work read, with or without a known country.
with

cells as (
  select year, country from scope_cells
),

years as (
  select distinct year from scope_cells
),

per_country as (
  select s.year, c.country, sum(s.works)::integer as all_works,
    sum(s.ai)::integer as ai,
    sum(s.medical)::integer as medical
  from scope_profile s
  join cells c on c.year = s.year and list_contains(s.countries, c.country)
  group by s.year, c.country
),

counted_per_country as (
  select p.year, c.country, count(*)::integer as medical_ai
  from counted_papers p
  join cells c on c.year = p.year and list_contains(p.countries, c.country)
  group by p.year, c.country
),

world as (
  select year, sum(works)::integer as all_works,
    sum(ai)::integer as ai,
    sum(medical)::integer as medical
  from scope_profile
  group by year
),

counted_world as (
  select year, count(*)::integer as medical_ai from counted_papers group by year
),

country_rows as (
  select cells.year, cells.country, 1 as rank,
    coalesce(p.all_works, 0) as all_works, coalesce(p.ai, 0) as ai, coalesce(p.medical, 0) as medical,
    coalesce(k.medical_ai, 0) as medical_ai
  from cells
  left join per_country p using (year, country)
  left join counted_per_country k using (year, country)
),

world_rows as (
  select years.year, 'WORLD' as country, 0 as rank,
    coalesce(w.all_works, 0) as all_works, coalesce(w.ai, 0) as ai, coalesce(w.medical, 0) as medical,
    coalesce(k.medical_ai, 0) as medical_ai
  from years
  left join world w using (year)
  left join counted_world k using (year)
),

final as (
  select year, country, all_works, ai, medical, medical_ai
  from (select * from world_rows union all select * from country_rows)
  -- The countries' order (--countries) is applied by src/pipeline/baselines.ts.
  order by year, rank, country
)

select * from final
