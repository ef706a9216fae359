-- A text cell of the report's CSV files, as csvCell() in src/report/csv.ts: cleaned (csv_cleaned.sql),
-- then prefixed with ' when a spreadsheet would run it as a formula: = + - @ first, also after
-- leading whitespace (JavaScript's \s: ASCII, VT, BOM, Zs, LS, PS) and in their full-width forms,
-- or a leading tab. An empty text is null: DuckDB's CSV writer would quote it (""), where the
-- JavaScript writer leaves the cell empty, as for a null.
create or replace temp macro csv_cell(s) as
  case
    when csv_cleaned(s) = '' then null
    when regexp_matches(csv_cleaned(s), '^(?:\t|[\s\x0B\x{FEFF}\p{Zs}\x{2028}\x{2029}]*[=+\-@\x{FF1D}\x{FF0B}\x{FF0D}\x{FF20}])') then '''' || csv_cleaned(s)
    else csv_cleaned(s)
  end
