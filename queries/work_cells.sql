-- one row per stored work (or per work of $ids): the year, type and countries that make it a member of fetch slices
-- reads: works
-- The country is matched as the fetch's `authorships.countries` filter matches it (schema/slice_countries.sql).
-- A store the duckdb reader filled keeps no authorships, only the countries found from them (works.slice_countries).
with

final as (
  select
    work_id,
    year,
    type,
    coalesce(slice_countries, slice_countries(authorships)) as countries
  from works
  where $ids is null or work_id in (select unnest($ids))
)

select * from final
