-- one row: the largest abstract index column chunk, uncompressed, in MB, of any row group of the
-- Parquet parts $files (0 when none has one): DuckDB decodes a row group's chunk whole, so it sets
-- how many parts can be read side by side (src/pipeline/ingest-duckdb.ts)
-- reads: (none)
with chunks as (
  select file_name, row_group_id, sum(total_uncompressed_size) as bytes
  from parquet_metadata($files)
  where path_in_schema like 'abstract_inverted_index%'
  group by file_name, row_group_id
)
select coalesce(max(bytes), 0)::double / 1e6 as mb from chunks
