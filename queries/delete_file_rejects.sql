-- removes the records set aside (rejected or repaired) from one file, before that file is read again
-- reads: rejects
delete from rejects
where kind in ('rejected', 'repaired')
  and (starts_with(origin, $prefix || ':') or starts_with(origin, $prefix || '#'))
