-- one row (or none): where one stored work was read from, '<display path>:<record number>' for a snapshot file (explain re-reads it from there in a compact store)
select origin
from works
where work_id = $id
