-- removes the staged copies a stopped read kept from the parts it could not read to their end
-- (compact_cut), before a resumed read reads those parts again whole
-- reads: compact_stage, compact_cut
delete from compact_stage
where exists (select 1 from compact_cut c where starts_with(compact_stage.origin, c.display || ':'))
