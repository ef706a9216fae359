-- one row: whether the database has a classified table without its `title` column (made before classified carried types and titles)
-- reads: (none)
select
  exists (select 1 from duckdb_tables() where database_name = current_database() and schema_name = 'main' and table_name = 'classified')
  and not exists (
    select 1 from duckdb_columns()
    where database_name = current_database() and schema_name = 'main' and table_name = 'classified' and column_name = 'title'
  ) as lacks
