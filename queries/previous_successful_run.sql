-- one row (or none): the newest run other than $run_id whose outputs were published (outcome ok),
-- the one a run diffs against; running, failed, abandoned and no-change runs published nothing new
select *
from runs
where outcome = 'ok' and run_id <> $run_id
order by started_at desc, run_id desc
limit 1
