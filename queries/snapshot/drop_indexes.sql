-- the abstract indexes of temp table snapshot_source, once src/pipeline/read-part.ts has rebuilt
-- every abstract of the part into snapshot_text: they were 107 of the 157 MB a 50k-work part held
-- in DuckDB's memory, and dropping the column lets them go at once (the other columns stay as
-- they are)
alter table snapshot_source drop column aii
