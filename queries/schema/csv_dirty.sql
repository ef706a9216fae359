-- Whether csv_cleaned.sql changes a text cell: it holds a CR or another control character (Unicode
-- Cc) than tab and newline; the manifest counts such cells (worksCsvCellsCleaned).
create or replace temp macro csv_dirty(s) as
  regexp_matches(s, '[^\P{Cc}\t\n]')
