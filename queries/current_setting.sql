-- one row: the value of one DuckDB setting, as text
-- reads: (none)
select value::varchar as value from duckdb_settings() where name = $name
