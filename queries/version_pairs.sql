-- one row per pair of medical-AI works in scope that look like versions of one paper (see version_pairs_table.sql)
-- reads: version_pairs
select * from version_pairs order by length(kept_id), kept_id, length(later_id), later_id
