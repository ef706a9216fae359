-- one row per year x unordered pair of the Scope's countries (country_a < country_b): the medical-AI
-- papers with authors in both, zero-filled
-- reads: scope_cells, counted_papers
with

pairs as (
  -- Each pair once, in code order, for every year of the window.
  select a.year, a.country as country_a, b.country as country_b
  from scope_cells a
  inner join scope_cells b on a.year = b.year and a.country < b.country
),

tagged as (
  -- The papers counted (counted_papers_table.sql: the Scope and --merge-versions applied).
  select work_id, year, countries
  from counted_papers
),

-- Collaboration, as full counting: a paper with at least one author in each of the two countries
-- counts once for the pair, whoever else co-wrote it.
co_authored as (
  select pairs.year, pairs.country_a, pairs.country_b, count(tagged.work_id)::integer as papers
  from pairs
  left join tagged
    on tagged.year = pairs.year
    and list_contains(tagged.countries, pairs.country_a)
    and list_contains(tagged.countries, pairs.country_b)
  group by pairs.year, pairs.country_a, pairs.country_b
),

final as (
  select year, country_a, country_b, papers
  from co_authored
  order by year, country_a, country_b
)

select * from final
