-- the parts a stopped read cut off: the origin prefix of the rows it kept of each (src/pipeline/ingest-duckdb.ts)
-- reads: compact_cut
select display from compact_cut order by display
