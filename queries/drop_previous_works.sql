-- drops the ids held before a --refresh, once the new copy is compared (or replaced by a snapshot)
drop table if exists previous_works
