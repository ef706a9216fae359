-- one row: the distinct work ids the deleted-id lists name, and how many of them the store holds
-- reads: deleted_ids, works
with

listed as (
  select distinct work_id from deleted_ids
),

final as (
  select
    count(*)::integer as listed,
    count(w.work_id)::integer as held
  from listed l
  left join works w using (work_id)
)

select * from final
