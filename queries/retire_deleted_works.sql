-- one row per stored work OpenAlex lists as deleted: set aside as retired with the date it was deleted
-- reads: deleted_ids, works, rejects
insert into rejects
select distinct on (w.work_id)
  'retired' as kind,
  d.origin,
  w.work_id,
  -- deleted_ids.csv is a ledger of works gone from OpenAlex: a local copy drops them, or it counts
  -- papers OpenAlex no longer holds.
  'deleted by OpenAlex on ' || coalesce(d.deleted_date, 'an unrecorded date') || ' (deleted_ids.csv)' as reason,
  null as raw
from works w
join deleted_ids d using (work_id)
-- Applying the same list again sets nothing aside twice (a work read again after a file changed).
anti join (select work_id, reason from rejects where kind = 'retired') r
  on r.work_id = w.work_id
  and r.reason = 'deleted by OpenAlex on ' || coalesce(d.deleted_date, 'an unrecorded date') || ' (deleted_ids.csv)'
order by w.work_id, d.deleted_date desc nulls last
