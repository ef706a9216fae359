-- one row per stored work whose id OpenAlex merged into another: set aside with the id it lives on as
-- reads: merged_ids, works, rejects
insert into rejects
select distinct on (w.work_id)
  'retired' as kind,
  m.origin,
  w.work_id,
  -- The API redirects a merged id to the surviving work, which the snapshot lists in its own
  -- right; keeping both would count the paper twice.
  'merged into ' || m.merge_into_id || ' (OpenAlex merged_ids, ' || coalesce(m.merge_date, 'undated') || ')' as reason,
  null as raw
from works w
join merged_ids m using (work_id)
-- A list applied again (refresh) sets nothing aside twice.
anti join (select work_id from rejects where kind = 'retired' and starts_with(reason, 'merged into ')) r using (work_id)
order by w.work_id, m.merge_date desc
