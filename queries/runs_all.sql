-- one row per run, oldest first
-- reads: runs
select *
from runs
order by started_at, run_id
