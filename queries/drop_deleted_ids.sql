-- drops the snapshot's deleted ids once the works they name are set aside and removed
drop table if exists deleted_ids
