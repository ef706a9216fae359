-- one row per snapshot part the duckdb reader could not read to its end (a gzip cut off, say) but
-- whose records before the error it kept in compact_stage and rejects, committed with them: a
-- resumed read removes those rows (snapshot/delete_part_stage.sql, delete_file_rejects.sql) and
-- reads the part again whole
create table if not exists compact_cut (
  path varchar not null,
  -- The origin prefix of its rows: `<display>:<line>`
  display varchar not null,
  records bigint not null,
  read_to varchar,
  error varchar not null
)
