-- one row per fetch slice whose cursor walk has finished
-- reads: checkpoints
select slice_id from checkpoints where done
