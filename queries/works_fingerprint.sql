-- one row: the stored works in one number each (how many, and a hash of every id with its copy), so a refresh can tell whether it changed them
-- reads: works
select
  count(*)::integer as works,
  -- Order-free: xor of one hash per row. A copy replaced by a newer one changes its updated_date and origin.
  coalesce(bit_xor(hash(work_id, updated_date, origin)), 0)::varchar as digest
from works
