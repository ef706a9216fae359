-- one row per record set aside or repaired, in the order they were read
-- reads: rejects
select kind, origin, work_id, reason, raw from rejects order by rowid
