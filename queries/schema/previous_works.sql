-- one row per work held before a --refresh began: what the refreshed copy is compared against
create table if not exists previous_works as select work_id, year from works
