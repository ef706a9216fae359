-- one row per successful run x year x country: the counts it published, which the next run diffs against
create table if not exists run_counts (
  run_id varchar not null,
  year integer not null,
  country varchar not null,
  papers integer not null,
  fractional double not null,
  primary key (run_id, year, country)
)
