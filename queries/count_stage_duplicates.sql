-- one row: how many staged works are already stored (each is a duplicate read of a work)
-- reads: works, works_stage
select count(*)::integer as duplicates
from works_stage
join works using (work_id)
