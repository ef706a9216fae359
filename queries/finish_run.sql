-- one row: how a run ended, what data it read and what it cost
update runs
set ended_at = $ended_at,
    outcome = $outcome,
    data_date = $data_date,
    cost_usd = $cost_usd,
    changes_over_threshold = $changes_over_threshold,
    exit_code = $exit_code,
    message = $message
where run_id = $run_id
