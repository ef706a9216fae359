-- dialect: DuckDB 1.5 (RE2 regular expressions, list lambdas, json_extract); the BigQuery twin is sql/bigquery/medical_ai_counts.sql
-- one row per year x country of the Scope: medical-AI papers, full and fractional counting, zero-filled
-- reads: scope_cells, counted_papers
with

cells as (
  select year, country
  from scope_cells
),

tagged as (
  -- The papers counted (counted_papers_table.sql: the Scope and --merge-versions applied).
  select work_id, year, countries, weights
  from counted_papers
),

-- Full counting: a paper counts once for every distinct country among its authors' affiliations;
-- `countries` is already a de-duplicated set, so unnesting it cannot count a paper twice.
-- Fractional counting: the paper adds its weight for the country (classified.weights, parallel to
-- countries, so the two lists unnest side by side).
per_country as (
  select year, unnest(countries) as country, unnest(weights) as weight, work_id
  from tagged
),

counted as (
  select year, country, count(distinct work_id)::integer as papers, sum(weight)::double as fractional
  from per_country
  group by year, country
),

final as (
  select
    cells.year,
    cells.country,
    coalesce(counted.papers, 0) as papers,
    coalesce(counted.fractional, 0.0)::double as fractional
  from cells
  left join counted on counted.year = cells.year and counted.country = cells.country
  order by cells.year, cells.country
)

select * from final
