-- One row per record of a JSON Lines snapshot part (gzipped or not): the fields the duckdb reader
-- uses, as JSON where normalizeWork() (src/model/work.ts) checks their type, in the columns of
-- snapshot_parquet.sql. queries/snapshot/read_part.sql makes them the reader's rows.
-- A DuckDB error here (malformed JSON, a BOM, a line that is not an object, a duplicate key,
-- authorships or countries that are not lists, an institution that is not an object) also means:
-- read the file with the node reader. Blank lines are skipped and not counted in `line` (OpenAlex
-- parts have none).
create or replace temp macro snapshot_jsonl(file) as table
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
)
select * from src
