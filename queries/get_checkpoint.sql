-- one row (or none): the saved checkpoint of one fetch slice
select * from checkpoints where slice_id = $id
