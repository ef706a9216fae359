-- the first $limit pairs of medical-AI works in scope that look like versions of one paper (see
-- version_pairs_table.sql), and how many there are in all
-- reads: version_pairs
select *, (select count(*) from version_pairs) as pairs
from version_pairs
order by length(kept_id), kept_id, length(later_id), later_id
limit $limit
