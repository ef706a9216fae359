-- one row per work held before the refresh began: its year, type and countries then
-- reads: previous_works
select work_id, year, type, countries from previous_works
