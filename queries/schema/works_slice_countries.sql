-- no rows: gives a works table made before the duckdb reader its `slice_countries` column (null: derive from authorships)
alter table works add column if not exists slice_countries varchar[]
