-- the abstract_inverted_index (JSON text) of the records of temp table snapshot_source from line
-- $from to line $to, for the abstracts' rebuild in TypeScript (src/pipeline/read-part.ts)
-- reads: snapshot_source
select line::bigint as line, aii::varchar as aii
from snapshot_source
where line between $from and $to and aii is not null
order by line
