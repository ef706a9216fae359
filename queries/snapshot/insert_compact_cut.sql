-- records a part cut off partway, committed with the rows read from it before the error (src/pipeline/ingest-duckdb.ts)
-- reads: compact_cut
insert into compact_cut values ($path, $display, $records, $read_to, $error)
