-- no rows: gives a checkpoints table made before the walk's start was recorded its `fetched_at` column (null: unknown)
-- When the slice's walk began (ISO timestamp, UTC): `refresh` asks OpenAlex for the slice's works
-- updated since that date (from_updated_date), which a work updated during the walk is too.
alter table checkpoints add column if not exists fetched_at varchar
