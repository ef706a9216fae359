-- A JSON value's text as JSON.stringify() writes it, for the reasons normalizeWork() gives
-- (src/model/work.ts); null when DuckDB's text of it may differ (a float, a huge integer, an object,
-- a string with escapes or with characters beyond U+FFFF, which JavaScript counts as two), so the
-- caller marks the record `precise` and the node reader writes that reason.
create or replace temp macro snapshot_json_text(v) as
  case
    when v is null then null
    when v::varchar similar to 'true|false|null|0|-?[1-9][0-9]{0,14}' then v::varchar
    when json_type(v) = 'VARCHAR' and not contains(v::varchar, '\') and not regexp_matches(v::varchar, '[\x{10000}-\x{10FFFF}]') then v::varchar
  end
