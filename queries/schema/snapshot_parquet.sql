-- One row per record of a Parquet snapshot part: the columns of snapshot_jsonl.sql, from whatever
-- types DuckDB finds, made into the same values (JSON where the JSON Lines reader reads JSON), so
-- queries/snapshot/read_part.sql reads both alike. `line` is the row number, 1-based. Expects authorships as
-- a list of structs with `countries` and `institutions[].country_code` (a DuckDB error otherwise).
-- Rejected records keep no text here (`raw` null): Parquet has no node reader to fall back on.
create or replace temp macro snapshot_parquet(file) as table
with src as (
  select
    file_row_number + 1 as line,
    to_json(id) as id,
    to_json(publication_year) as year,
    to_json(coalesce(title, display_name)) as title,
    list_transform(authorships, a -> {countries: a.countries, institutions: list_transform(a.institutions, i -> {country_code: i.country_code})})
      ::struct(countries varchar[], institutions struct(country_code varchar)[])[] as auths,
    -- A MAP(VARCHAR, …) or JSON text alike, as JSON text. Not minified (json() took 0.5 s of a
    -- 50k-work part's 2.3 s read): the rebuild reads spaced JSON as it reads minified.
    abstract_inverted_index::json as aii,
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
)
select * from src
