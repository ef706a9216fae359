-- drops the snapshot's merged ids once the works they name are set aside
drop table if exists merged_ids
