-- one row: the newest updated_date (YYYY-MM-DD) of the stored works, null when none has one
-- reads: works
select max(left(updated_date, 10)) as data_date from works
