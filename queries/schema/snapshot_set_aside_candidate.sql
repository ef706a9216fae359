-- Whether a text may be one abstractSetAsideReason() sets aside: it holds a word every placeholder
-- or teaser holds, in any case and spacing. A fast pass over every abstract, so that
-- snapshot_flat_text() and snapshot_set_aside() run on a few.
create or replace macro snapshot_set_aside_candidate(text) as
  regexp_matches(text, '(?i)first[\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]+page|n/a|abstract|available|more')
