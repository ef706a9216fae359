-- the abstracts of the part in temp table snapshot_source, rebuilt in TypeScript by the node
-- reader's own function (abstractOf() in src/model/work.ts): text, repair notes, and whether the
-- node reader must read the record (an index its JSON.parse would not read as DuckDB wrote it)
create or replace temp table snapshot_text (line bigint, abstract varchar, notes varchar[], precise boolean)
