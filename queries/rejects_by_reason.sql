-- one row per kind x reason (the reason up to its first colon, so parse messages group together)
-- reads: rejects
with

final as (
  select kind, split_part(reason, ':', 1) as reason, count(*)::integer as records
  from rejects
  group by all
  order by kind, records desc, reason
)

select * from final
