-- one row: a part the duckdb reader read to its end, committed with its rows
-- reads: (none)
insert into compact_parts values ($path, $bytes, $sha256, $records)
