-- no rows: gives a works_stage table made before the duckdb reader its `slice_countries` column, so it stays works' twin
alter table works_stage add column if not exists slice_countries varchar[]
