-- no rows: gives a checkpoints table made before the fetch-time count was recorded its `expected` column (null: unknown)
alter table checkpoints add column if not exists expected integer
