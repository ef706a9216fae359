-- one row per work in works_scope (the works.csv rows), typed, written as Parquet to $path
-- reads: works_scope
copy (select * from works_scope order by length(work_id), work_id) to $path (format parquet)
