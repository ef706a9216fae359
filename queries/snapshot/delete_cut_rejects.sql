-- removes what a stopped read set aside (rejected or repaired) from the parts it could not read to
-- their end (compact_cut), as delete_file_rejects.sql does for one file, before a resumed read reads
-- them again whole
-- reads: rejects, compact_cut
delete from rejects
where kind in ('rejected', 'repaired')
  and exists (
    select 1 from compact_cut c
    where starts_with(rejects.origin, c.display || ':') or starts_with(rejects.origin, c.display || '#')
  )
