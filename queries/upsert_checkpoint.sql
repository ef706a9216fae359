-- one row per slice: its latest checkpoint
insert or replace into checkpoints values ($slice_id, $query, $cursor, $pages_done, $works_stored, $done)
