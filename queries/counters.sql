-- one row per running total (records read, duplicates)
select name, value::bigint as value from counters
