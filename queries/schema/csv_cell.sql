-- A text cell of the report's CSV files, as csvCell() in src/report/csv.ts: cleaned (csv_cleaned.sql),
-- then prefixed with ' when a spreadsheet would run it as a formula: = + - @ first, also after
-- leading whitespace (JavaScript's \s: ASCII, VT, BOM, Zs, LS, PS) and in their full-width forms,
-- or a leading tab.
create or replace macro csv_cell(s) as
  case
    when regexp_matches(csv_cleaned(s), '^(?:\t|[\s\x0B\x{FEFF}\p{Zs}\x{2028}\x{2029}]*[=+\-@\x{FF1D}\x{FF0B}\x{FF0D}\x{FF20}])') then '''' || csv_cleaned(s)
    else csv_cleaned(s)
  end
