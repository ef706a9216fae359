-- one row per run still marked running, returned after marking it abandoned: a run holds the
-- database while it runs (DuckDB lets one process open the file), so a 'running' row seen by a new
-- run was left by one that was killed
update runs
set outcome = 'abandoned', ended_at = $ended_at, message = 'found still running by run ' || $by_run
where outcome = 'running' and run_id <> $by_run
returning run_id
