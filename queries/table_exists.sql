-- one row (or none): whether a table of this name exists (temporary ones included)
select 1 as found from duckdb_tables() where table_name = $name
