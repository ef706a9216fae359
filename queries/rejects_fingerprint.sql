-- one row: the records set aside in one number each (how many, and a hash of every one), so a refresh can tell whether the report's rejects moved
-- reads: rejects
select
  count(*)::integer as rejects,
  -- Order-free, as works_fingerprint.sql: xor of one hash per row.
  coalesce(bit_xor(hash(kind, origin, work_id, reason)), 0)::varchar as digest
from rejects
