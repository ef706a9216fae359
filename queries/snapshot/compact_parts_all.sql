-- every part the duckdb reader committed in this load (a resumed read keeps them: src/pipeline/ingest-duckdb.ts)
-- reads: compact_parts
select path, bytes, sha256, records from compact_parts order by path
