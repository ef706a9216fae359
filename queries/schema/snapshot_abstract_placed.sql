-- The order in which rebuildAbstract() (src/model/abstract.ts) reads the (position, entry) pairs
-- of a word -> positions map: indexes into the flattened positions, by position and then by the
-- entry's 1-based number (sorted as one integer, position * 2^20 + entry: integers sort far faster
-- than structs), so the last of each position is the later entry, the word it keeps. The entry
-- order is the order written, which is JavaScript's Object.entries() order unless a key is an
-- array index ("2020"): those come first there, so such a map with two words at one position is
-- `precise` (snapshot_jsonl.sql).
create or replace macro snapshot_abstract_placed(positions, entries) as
  list_grade_up(list_transform(list_zip(positions, entries), z -> z[1] * 1048576 + z[2]))
