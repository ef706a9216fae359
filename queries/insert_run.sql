-- one row: a run begun, outcome 'running' until finish_run sets it
insert into runs (run_id, started_at, command, scope, settings, source, outcome)
values ($run_id, $started_at, $command, $scope, $settings, $source, 'running')
