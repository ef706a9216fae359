-- one row per fetch slice whose cursor walk has finished
select slice_id from checkpoints where done
