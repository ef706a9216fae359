-- one row: whether the database has a classified table without the columns it gained later (each
-- work's type, the tagged works' titles, the country set: schema/classified.sql), to fill them
-- reads: (none)
select
  exists (select 1 from duckdb_tables() where database_name = current_database() and schema_name = 'main' and table_name = 'classified')
  and (
    select count(*) from duckdb_columns()
    where database_name = current_database() and schema_name = 'main' and table_name = 'classified'
      and column_name in ('type', 'title', 'country_set')
  ) < 3 as lacks
