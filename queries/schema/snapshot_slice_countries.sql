-- The countries a work is found under by the fetch's `authorships.countries` filter, from typed
-- authorships as the snapshot readers make them: any author's own country or any institution's
-- country_code, before the country policy, distinct and sorted. schema/slice_countries.sql is the
-- same set from a stored work's authorships JSON.
create or replace temp macro snapshot_slice_countries(auths) as
  list_sort(list_distinct(flatten(list_transform(coalesce(auths, []), a ->
    flatten([coalesce(a.countries, []), list_transform(coalesce(a.institutions, []), i -> i.country_code)])))))
