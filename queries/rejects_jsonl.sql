-- rejects.jsonl: every record set aside or repaired, one JSON object per line in the order they were
-- read ({"kind","origin","workId","reason","raw"}), written to $path
-- reads: rejects
-- DuckDB writes the file: on the full snapshot the repair notes alone can run to millions of rows,
-- each with the record's text, which JavaScript would hold all at once. The lines parse to what
-- JSON.stringify writes; the bytes differ only in the hex case of \u escapes (\u001F for \u001f).
copy (
  select kind, origin, work_id as "workId", reason, raw
  from rejects
  order by rowid
) to $path (format json)
