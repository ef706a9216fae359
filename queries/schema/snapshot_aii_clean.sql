-- Whether a (minified) word -> positions JSON map holds only usable entries: every value a list of
-- integers 0..999999 written plainly. rebuildAbstract() counts anything else as a bad entry, with a
-- note; such a record is read again by the node reader (`precise`), so here each position is placed.
create or replace macro snapshot_aii_clean(index_map) as
  index_map::varchar similar to '\{(?:"(?:[^"\\]|\\.)*":\[(?:(?:0|[1-9][0-9]{0,5})(?:,(?:0|[1-9][0-9]{0,5}))*)?\](?:,"(?:[^"\\]|\\.)*":\[(?:(?:0|[1-9][0-9]{0,5})(?:,(?:0|[1-9][0-9]{0,5}))*)?\])*)?\}'
