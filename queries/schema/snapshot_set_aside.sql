-- Why an abstract is not the work's own, exactly as abstractSetAsideReason() in
-- src/model/abstract.ts says it (publisher placeholders, "Read More" teasers), or null. `flat` is
-- snapshot_flat_text(text). The lists are that file's PLACEHOLDERS, PLACEHOLDER_OPENINGS, TEASER_END.
create or replace macro snapshot_set_aside(text, flat) as
  case
    -- list_contains, not `in (…)`: DuckDB plans `in` as a join, evaluated for every row.
    when list_contains(['first page', 'no abstract available', 'abstract not available', 'no abstract', 'not available', 'n/a'], regexp_replace(flat, '^[ \[(]+|[ .\])]+$', '', 'g'))
      or starts_with(flat, 'an abstract is not available for this content')
      or starts_with(flat, 'a summary is not available for this content')
    then 'publisher placeholder, not an abstract: "'
      || left(regexp_replace(text, '^[\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]+|[\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]+$', '', 'g'), 60)
      || case when length(regexp_replace(text, '^[\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]+|[\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]+$', '', 'g')) > 60 then '…' else '' end
      || '"'
    when regexp_matches(flat, '(?:\.\.\.|…| ) *read more[ .…]*$') then 'landing-page teaser cut off with "Read More", a page snippet rather than the work''s abstract'
  end
