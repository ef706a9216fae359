-- one row per record of the part just read (temp table snapshot_read) that was rejected, and one per
-- repair note of a record kept, with the values toBatch() (src/model/batch.ts) writes, in read order.
-- $display_path: the file as origins show it (displayPath() in src/ingest/snapshot.ts).
-- A part with a `precise` row is read by the node reader instead, so this never sees one.
insert into rejects (kind, origin, work_id, reason, raw)
with rejected as (
  select line, 0 as note_number, 'rejected' as kind, work_id, reject as reason, raw
  from snapshot_read
  where reject is not null
),
repaired as (
  select line, unnest(range(1, len(notes) + 1)) as note_number, 'repaired' as kind, work_id, unnest(notes) as reason, null::varchar as raw
  from snapshot_read
  where reject is null and len(notes) > 0
),
final as (
  select * from rejected
  union all
  select * from repaired
)
select kind, $display_path || ':' || line as origin, work_id, reason, raw
from final
order by line, note_number
