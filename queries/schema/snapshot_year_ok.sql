-- Whether a `publication_year` JSON value is a year as normalizeWork() (src/model/work.ts) takes
-- one: a number that is an integer (2020 and 2020.0 alike, as JavaScript reads them) in 1000..2999.
create or replace temp macro snapshot_year_ok(year) as
  coalesce(json_type(year) in ('UBIGINT', 'BIGINT', 'DOUBLE') and year::double between 1000 and 2999 and year::double = floor(year::double), false)
