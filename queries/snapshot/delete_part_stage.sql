-- removes the staged copies read from one part (origins `<display>:<line>`), which a stopped read
-- kept of a part it could not read to its end, before a resumed read reads that part again whole
-- reads: compact_stage
delete from compact_stage where starts_with(origin, $prefix || ':')
