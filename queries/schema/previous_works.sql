-- one row per work held before a refresh began: what the refreshed copy is compared against, with the
-- year, type and countries that made it a member of slices (filled from work_cells.sql)
create table if not exists previous_works (
  work_id varchar not null,
  year integer not null,
  type varchar,
  countries varchar[]
)
