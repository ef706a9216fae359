-- The abstract text from positions and entry numbers in reading order (snapshot_abstract_placed):
-- the word of each position, the last one where a position holds two, joined with single spaces;
-- null when nothing is left, as rebuildAbstract() (src/model/abstract.ts) gives it. Each pair is
-- zipped with the next position rather than looked up from a lambda: a list captured by a lambda
-- is copied for every element (quadratic in the abstract's length).
create or replace macro snapshot_abstract_text(positions, entries, duplicates, words) as
  nullif(array_to_string(list_select(words, case
    when duplicates then list_transform(list_filter(list_zip(entries, positions, positions[2:]), z -> z[3] is null or z[3] != z[2]), z -> z[1])
    else entries
  end), ' '), '')
