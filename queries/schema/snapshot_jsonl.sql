-- One row per record of a JSON Lines snapshot part (gzipped or not): the work as normalizeWork()
-- (src/model/work.ts) reads it, its countries as countryShares() (src/classify/countries.ts) counts
-- them, or why it cannot be used; `precise` where SQL does not reproduce that exactly, and the node
-- reader must read the file. Columns: the `snapshot_read` table of the DuckDB reader.
-- A DuckDB error here (malformed JSON, a BOM, a line that is not an object, a duplicate key,
-- authorships or countries that are not lists, an institution that is not an object) also means:
-- read the file with the node reader. Blank lines are skipped and not counted in `line` (OpenAlex
-- parts have none).
create or replace macro snapshot_jsonl(file, fold_hk_mo) as table
with src as (
  select
    ordinality as line,
    id,
    publication_year as year,
    -- title ?? display_name: a JSON null falls through as an absent key does.
    case when title is null or json_type(title) = 'NULL' then case when json_type(display_name) <> 'NULL' then display_name end else title end as title,
    -- Typed here, read strictly: DuckDB stops on a shape normalizeWork() would reject (see above).
    authorships as auths,
    -- JSON: a typed MAP fails on the pre-2023 {"IndexLength", "InvertedIndex"} wrapper.
    abstract_inverted_index as aii,
    case when json_type(type) = 'VARCHAR' then type ->> '$' end as type,
    case when json_type(language) = 'VARCHAR' then language ->> '$' end as language,
    case when json_type(updated_date) = 'VARCHAR' then updated_date ->> '$' end as updated_date,
    coalesce(is_authors_truncated::varchar = 'true', false) as authors_truncated,
    -- A rejected record's text (rejects.raw) is not kept by this read: the node reader writes it.
    true as reject_needs_node
  -- records = true: left to detect it, DuckDB reads a one-column projection as whole lines (8x slower).
  -- hive_partitioning = false: parts sit in `updated_date=YYYY-MM-DD/` folders, which DuckDB would
  -- take for a hive partition and put the folder's date in place of each record's own updated_date.
  from read_json(file, format = 'newline_delimited', records = true, hive_partitioning = false, columns = {
    id: 'JSON', publication_year: 'JSON', title: 'JSON', display_name: 'JSON',
    authorships: 'STRUCT(countries VARCHAR[], institutions STRUCT(country_code VARCHAR)[])[]',
    abstract_inverted_index: 'JSON', type: 'JSON', language: 'JSON', updated_date: 'JSON', is_authors_truncated: 'JSON'
  }) with ordinality
),
-- From here on the same steps as snapshot_parquet.sql.
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
