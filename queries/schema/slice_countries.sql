-- The countries a work is found under by the fetch's `authorships.countries` filter: any author's
-- own country or any institution's country_code, before the country policy (so HK stays HK). The
-- one statement of slice membership by country, for reconcile (reconcile_stored.sql) and refresh
-- (work_cells.sql).
create or replace temp macro slice_countries(authorships) as
  list_distinct(list_filter(
    flatten([
      coalesce(json_extract_string(authorships, '$[*].countries[*]'), []::varchar[]),
      coalesce(json_extract_string(authorships, '$[*].institutionCountries[*]'), []::varchar[])
    ]),
    code -> code is not null
  ))
