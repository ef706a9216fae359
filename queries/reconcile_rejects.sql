-- one row per fetched query (a slice's list URL without its cursor): the records of its pages set aside as rejected
-- reads: rejects
-- A fetched record's origin is `<slice query>&cursor=<cursor>#results[i]` (fetch/fetcher.ts).
with

fetched as (
  select split_part(origin, '&cursor=', 1) as query
  from rejects
  where kind = 'rejected' and contains(origin, '&cursor=')
),

final as (
  select query, count(*)::integer as rejected
  from fetched
  group by query
)

select * from final
