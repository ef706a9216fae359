-- forgets the parts a stopped read cut off, once their rows are removed (src/pipeline/ingest-duckdb.ts)
-- reads: compact_cut
delete from compact_cut
