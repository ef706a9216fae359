-- one row per slice: its latest checkpoint
-- reads: (none)
insert or replace into checkpoints (slice_id, query, cursor, pages_done, works_stored, done, expected, fetched_at)
values ($slice_id, $query, $cursor, $pages_done, $works_stored, $done, $expected, $fetched_at)
