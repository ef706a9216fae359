-- removes the checkpoints of $ids: a slice walked again from its start, or a refresh's walk of updates once folded in
-- reads: checkpoints
delete from checkpoints where slice_id in (select unnest($ids::varchar[]))
