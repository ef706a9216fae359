-- A work's countries (classified.countries: ISO 3166-1 alpha-2 codes, each once, sorted) as one
-- text, 'CN,US' ('' for none), stored beside the list as classified.country_set by every writer of
-- classified: DuckDB groups the 2.4M works of a window at 5M works read by it about 5x faster than
-- by the list, whose strings it must read (scope_profile_table.sql turns it back into the list).
create or replace temp macro country_set(countries) as array_to_string(countries, ',')
