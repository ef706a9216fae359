-- one row per stored work (or per work of $ids): the year, type and countries that make it a member of fetch slices
-- reads: works
-- The country is matched as the fetch's `authorships.countries` filter matches it (reconcile_stored.sql):
-- any author's own country or any institution's country_code, before the country policy.
with

final as (
  select
    work_id,
    year,
    type,
    list_distinct(list_filter(
      flatten([
        coalesce(json_extract_string(authorships, '$[*].countries[*]'), []::varchar[]),
        coalesce(json_extract_string(authorships, '$[*].institutionCountries[*]'), []::varchar[])
      ]),
      code -> code is not null
    )) as countries
  from works
  where $ids is null or work_id in (select unnest($ids))
)

select * from final
