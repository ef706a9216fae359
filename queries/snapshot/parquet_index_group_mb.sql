-- one row: the largest abstract index column chunk, uncompressed, in MB, of any row group of the
-- Parquet part $file (0 when it has none): DuckDB decodes a row group's chunk whole, so it sets
-- whether parts can be read side by side (src/pipeline/ingest-duckdb.ts)
-- reads: (none)
with chunks as (
  select row_group_id, sum(total_uncompressed_size) as bytes
  from parquet_metadata($file)
  where path_in_schema like 'abstract_inverted_index%'
  group by row_group_id
)
select coalesce(max(bytes), 0)::double / 1e6 as mb from chunks
