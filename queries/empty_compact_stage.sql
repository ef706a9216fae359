-- empties the duckdb reader's staged copies once works and classified are made from them
delete from compact_stage
