-- One row per record of a Parquet snapshot part: the columns of snapshot_jsonl.sql, from whatever
-- types DuckDB finds, made into the same values (JSON where the JSON Lines reader reads JSON) so
-- the steps after `src` are that file's. `line` is the row number, 1-based. Expects authorships as
-- a list of structs with `countries` and `institutions[].country_code` (a DuckDB error otherwise).
-- Rejected records keep no text here (`raw` null): Parquet has no node reader to fall back on.
create or replace macro snapshot_parquet(file, fold_hk_mo) as table
with src as (
  select
    file_row_number + 1 as line,
    to_json(id) as id,
    to_json(publication_year) as year,
    to_json(coalesce(title, display_name)) as title,
    list_transform(authorships, a -> {countries: a.countries, institutions: list_transform(a.institutions, i -> {country_code: i.country_code})})
      ::struct(countries varchar[], institutions struct(country_code varchar)[])[] as auths,
    -- A MAP(VARCHAR, …) or JSON text alike, minified as the JSON Lines read gives it.
    json(abstract_inverted_index::json) as aii,
    type::varchar as type,
    language::varchar as language,
    updated_date::varchar as updated_date,
    coalesce(is_authors_truncated::varchar = 'true', false) as authors_truncated,
    false as reject_needs_node
  -- Not hive-partitioned: the `updated_date=` folder would replace each record's own date. A part
  -- without one of these columns is a DuckDB error naming it (wrapping the read in a UNION ALL BY
  -- NAME to supply is_authors_truncated doubled the read's time and ran two parts out of 1 GB).
  -- file_row_number rather than `with ordinality`, which reads every column of the part.
  from read_parquet(file, hive_partitioning = false, file_row_number = true)
),
-- From here on the same steps as snapshot_jsonl.sql.
inner_index as (
  select *, snapshot_aii_inner(aii) as aii_inner from src
),
mapped as (
  select *, case when aii_clean then aii_inner::map(varchar, ubigint[]) end as aii_map
  from (select *, coalesce(snapshot_aii_clean(aii_inner), false) as aii_clean from inner_index)
),
placed as (
  select
    *,
    flatten(map_values(aii_map)) as positions,
    flatten(list_transform(map_values(aii_map), (v, i) -> list_resize([i], len(v), i))) as entries,
    snapshot_author_sets(auths, fold_hk_mo) as author_sets
  from mapped
),
graded as (
  select *, snapshot_abstract_placed(positions, entries) as reading_order, list_sort(list_distinct(flatten(author_sets))) as countries from placed
),
ordered as (
  select *, list_select(positions, reading_order) as sorted_positions, list_select(entries, reading_order) as sorted_entries from graded
),
rebuilt as (
  select *, snapshot_abstract_text(sorted_positions, sorted_entries, duplicates, map_keys(aii_map)) as text
  from (select *, coalesce(list_bool_or(list_transform(list_zip(sorted_positions, sorted_positions[2:]), z -> z[1] = z[2])), false) as duplicates from ordered)
),
judged as (
  select
    *,
    case when snapshot_set_aside_candidate(text) then snapshot_set_aside(text, snapshot_flat_text(text)) end as set_aside,
    snapshot_reject(id, year, title) as reject
  from rebuilt
),
final as (
  select
    line,
    snapshot_work_id(id) as work_id,
    case when snapshot_year_ok(year) then year::double::integer end as year,
    case when json_type(title) = 'VARCHAR' then title ->> '$' end as title,
    case when set_aside is null then text end as abstract,
    type,
    language,
    updated_date,
    authors_truncated,
    snapshot_slice_countries(auths) as slice_countries,
    countries,
    snapshot_weights(author_sets, countries) as weights,
    reject,
    case when reject is null then list_filter([
      case when json_type(aii) not in ('OBJECT', 'NULL') then 'abstract_inverted_index: 1 unusable entry skipped' end,
      'abstract set aside, classified on the title: ' || set_aside
    ], n -> n is not null) else []::varchar[] end as notes,
    coalesce(
      (reject is not null and (reject_needs_node or snapshot_reject_inexact(id, year)))
      or (reject is null and (
        not snapshot_codes_clean(auths)
        or (aii_inner is not null and json_type(aii_inner) = 'OBJECT' and (
          not aii_clean
          or cardinality(aii_map) >= 1048576
          -- Two words at one position in a map with array-index keys: see snapshot_abstract_placed.sql.
          or (duplicates and list_bool_or(list_transform(map_keys(aii_map), k -> k similar to '0|[1-9][0-9]{0,9}')))))
        or (contains(aii::varchar, '"InvertedIndex"') and json_type(aii, '$.InvertedIndex') = 'ARRAY')
        -- DuckDB lower-cases İ to i, JavaScript to i + U+0307; JavaScript counts a character
        -- beyond U+FFFF as two in the 60 it quotes.
        or contains(text, 'İ')
        or (set_aside is not null and regexp_matches(text, '[\x{10000}-\x{10FFFF}]')))),
      false) as precise,
    null::varchar as raw
  from judged
)
select * from final
