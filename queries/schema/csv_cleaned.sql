-- A text cell as the report's CSV files write it, before the formula guard (csv_cell.sql), as
-- csvCell() in src/report/csv.ts: a CR or CRLF becomes a newline, and control characters (Unicode
-- Cc: C0, DEL, C1) other than tab and newline are dropped. Most cells have none (csv_dirty.sql) and
-- are passed as they are. chr(10): a `\n` in the replacement is not a newline.
create or replace temp macro csv_cleaned(s) as
  case
    when csv_dirty(s) then regexp_replace(regexp_replace(s, '\r\n?', chr(10), 'g'), '[^\P{Cc}\t\n]', '', 'g')
    else s
  end
