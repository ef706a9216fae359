-- one row per record of the file (temp table snapshot_read) set aside (kind rejected) or kept after a repair (kind repaired, one row per note), as toBatch() writes them
-- STAND-IN (H3) until H1's stage_rejects.sql replaces this file (same columns: those of the rejects table).
-- reads: snapshot_read
with

rejected as (
  select 'rejected' as kind, $origin_prefix || line as origin, work_id, reject as reason, raw, line, 0 as n
  from snapshot_read
  where reject is not null
),

repaired as (
  select 'repaired' as kind, $origin_prefix || line as origin, work_id, unnest(notes) as reason, null::varchar as raw, line, unnest(generate_series(1, len(notes))) as n
  from snapshot_read
  where reject is null and len(notes) > 0
),

final as (
  select * from rejected
  union all
  select * from repaired
)

select kind, origin, work_id, reason, raw from final order by line, n
