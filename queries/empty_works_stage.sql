-- empties the staging table before a batch is appended to it (one row per work of the batch)
delete from works_stage
