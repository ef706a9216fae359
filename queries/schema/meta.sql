-- one row per fact about the data set and the last stage runs (source, classifier rules), as JSON
create table if not exists meta (
  key varchar primary key,
  value json not null
)
