-- one row per record of one JSON Lines snapshot part (gzipped or not), in the columns the duckdb reader stages
-- STAND-IN (H3) until H1's snapshot_jsonl.sql replaces this file: a naive read that marks every
-- record it cannot reproduce normalizeWork() for as `precise` (the part then goes to the node
-- reader): every record with an abstract (not rebuilt here), a reject or a repair, an odd type.
create or replace macro snapshot_jsonl(file, fold_hk_mo) as table
with

raw as (
  select * exclude (ordinality), ordinality as line
  from read_json(
    file,
    format = 'newline_delimited',
    -- Snapshot parts sit in `updated_date=YYYY-MM-DD/` folders: DuckDB would take that for a hive
    -- partition and put the folder's date in place of the record's own updated_date.
    hive_partitioning = false,
    columns = {
      id: 'JSON', publication_year: 'JSON', title: 'JSON', display_name: 'JSON', abstract_inverted_index: 'JSON',
      authorships: 'JSON', type: 'JSON', language: 'JSON', updated_date: 'JSON', is_authors_truncated: 'JSON'
    }
  ) with ordinality
),

parsed as (
  select
    *,
    regexp_extract(coalesce(id ->> '$', ''), '^(?:https://openalex\.org/)?(W\d+)$', 1) as wid,
    coalesce(json_type(title) not in ('NULL'), false) as has_title,
    case when json_type(authorships) = 'ARRAY' then json_extract(authorships, '$[*]') else []::json[] end as author_list
  from raw
),

authors as (
  select
    *,
    list_transform(author_list, a -> flatten([
      coalesce(json_extract_string(a, '$.countries[*]'), []::varchar[]),
      coalesce(json_extract_string(a, '$.institutions[*].country_code'), []::varchar[])
    ])) as author_codes,
    coalesce(list_bool_or(list_transform(coalesce(json_extract(authorships, '$[*].countries[*]'), []::json[]), c -> json_type(c) <> 'VARCHAR' or not regexp_full_match(c ->> '$', '[A-Z]{2}'))), false)
      or coalesce(list_bool_or(list_transform(coalesce(json_extract_string(authorships, '$[*].institutions[*].country_code'), []::varchar[]), c -> c is not null and not regexp_full_match(c, '[A-Z]{2}'))), false)
      or coalesce(list_bool_or(list_transform(author_list, a -> json_type(a) <> 'OBJECT' or coalesce(json_type(a -> '$.countries') not in ('ARRAY', 'NULL'), false) or coalesce(json_type(a -> '$.institutions') not in ('ARRAY', 'NULL'), false))), false)
      as odd_authors
  from parsed
),

known as (
  select
    *,
    list_filter(
      list_transform(author_codes, codes -> list_distinct(list_transform(list_filter(codes, c -> c is not null), c -> case when fold_hk_mo and c in ('HK', 'MO') then 'CN' else c end))),
      s -> len(s) > 0
    ) as known
  from authors
),

final as (
  select
    line,
    nullif(wid, '') as work_id,
    case when json_type(publication_year) = 'UBIGINT' then publication_year::integer end as year,
    case when has_title then title ->> '$' else display_name ->> '$' end as title,
    null::varchar as abstract,
    case when json_type(type) = 'VARCHAR' then type ->> '$' end as type,
    case when json_type(language) = 'VARCHAR' then language ->> '$' end as language,
    case when json_type(updated_date) = 'VARCHAR' then updated_date ->> '$' end as updated_date,
    coalesce(json_type(is_authors_truncated) = 'BOOLEAN' and is_authors_truncated::boolean, false) as authors_truncated,
    list_distinct(list_filter(flatten(author_codes), c -> c is not null)) as slice_countries,
    list_sort(list_distinct(flatten(known))) as countries,
    known,
    null::varchar as reject,
    []::varchar[] as notes,
    -- Rejects (their raw text) and repairs are the node reader's to write here.
    wid = ''
      or not coalesce(json_type(publication_year) = 'UBIGINT' and publication_year::bigint between 1000 and 2999, false)
      or json_type(case when has_title then title else display_name end) not in ('VARCHAR', 'NULL')
      or coalesce(json_type(authorships) not in ('ARRAY', 'NULL'), false)
      or odd_authors
      or coalesce(json_type(abstract_inverted_index) <> 'NULL', false)
      as precise,
    null::varchar as raw
  from known
)

select
  line, work_id, year, title, abstract, type, language, updated_date, authors_truncated, slice_countries, countries,
  list_transform(countries, country -> list_sum(list_transform(known, s -> case when list_contains(s, country) then 1.0 / len(s) else 0.0 end)) / len(known)) as weights,
  reject, notes, precise, raw
from final
