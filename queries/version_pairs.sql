-- one row per pair of medical-AI works in the window that look like versions of one paper (see version_pairs_table.sql)
select * from version_pairs order by length(kept_id), kept_id, length(later_id), later_id
