-- Fractional counting over author sets (snapshot_author_sets) for each of `countries`, added in
-- author order as countryShares() adds them, so the doubles are bit for bit the same.
create or replace temp macro snapshot_weights(author_sets, countries) as
  list_transform(countries, c -> list_reduce(list_transform(author_sets, s -> if(list_contains(s, c), 1.0 / len(s), 0.0)), (x, y) -> x + y) / len(author_sets))
