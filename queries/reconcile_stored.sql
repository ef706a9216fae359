-- one row per year x country a fetch asked for: the stored works its slice filter matches, and how many the local rule tags medical AI
-- reads: works, classified
-- The country is matched as the fetch's `authorships.countries` filter matched it
-- (schema/slice_countries.sql). A work with authors in two countries is in both countries' rows,
-- as it was in both countries' slices.
with

cells as (
  select years.year, countries.country
  from (select unnest(generate_series($from_year::integer, $to_year::integer))::integer as year) years
  cross join (select unnest($countries::varchar[]) as country) countries
),

work_countries as (
  select
    work_id,
    year,
    type,
    coalesce(slice_countries, slice_countries(authorships)) as countries
  from works
  where year between $from_year and $to_year
    -- The fetch's `type:` filter (an empty list: every type was fetched).
    and (len($types::varchar[]) = 0 or list_contains($types::varchar[], type))
),

per_cell as (
  select
    w.year,
    unnest(w.countries) as country,
    w.work_id
  from work_countries w
),

final as (
  select
    cells.year,
    cells.country,
    count(per_cell.work_id)::integer as stored,
    count(per_cell.work_id) filter (where classified.is_medical_ai)::integer as medical_ai
  from cells
  left join per_cell on per_cell.year = cells.year and per_cell.country = cells.country
  left join classified on classified.work_id = per_cell.work_id
  group by cells.year, cells.country
  order by cells.year, cells.country
)

select * from final
