-- the repairs noted for works kept after one (e.g. an abstract set aside), one row per work and note
-- reads: rejects
select distinct work_id, reason from rejects where kind = 'repaired' and work_id is not null order by work_id, reason
