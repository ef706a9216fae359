-- one row per work in the batch being committed; emptied inside every commit
create table if not exists works_stage as select * from works limit 0
