-- A text with every run of JavaScript whitespace (\s: ASCII, NBSP, U+2000-200A, U+2028/9, U+3000,
-- BOM, …; RE2's \s is ASCII only) made one space, trimmed and lower-cased, as
-- abstractSetAsideReason() in src/model/abstract.ts compares it.
create or replace macro snapshot_flat_text(text) as
  lower(regexp_replace(
    regexp_replace(text, '[\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]+', ' ', 'g'),
    '^ | $', '', 'g'))
