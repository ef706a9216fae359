-- Each author's distinct countries (own `countries` and institutions' `country_code`), after the
-- country policy, authors with none left out: the sets countryShares() in src/classify/countries.ts
-- splits a paper over. `fold_hk_mo`: Hong Kong and Macao counted as China (policy fold-hk-mo).
create or replace temp macro snapshot_author_sets(auths, fold_hk_mo) as
  list_filter(
    list_transform(coalesce(auths, []), a -> list_distinct(list_transform(
      flatten([coalesce(a.countries, []), list_transform(coalesce(a.institutions, []), i -> i.country_code)]),
      c -> case when fold_hk_mo and c in ('HK', 'MO') then 'CN' else c end))),
    s -> len(s) > 0)
