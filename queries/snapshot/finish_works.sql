-- one row per distinct work the duckdb reader staged: its newest copy (compact_stage), in the columns of schema/works.sql, with no abstract, authorships or MeSH
-- reads: compact_stage
-- The newest-copy rule, as isNewerCopy() in src/model/work.ts: the greatest updated_date (none is
-- older than any), and on a tie the copy read first (file order, then line), so the result does not
-- depend on how many files were read at once. By aggregation: no index on the ids is needed.
with

newest as (
  select
    work_id,
    arg_max(
      {'year': year, 'title': title, 'authors_truncated': authors_truncated, 'type': type, 'language': language, 'updated_date': updated_date, 'origin': origin, 'slice_countries': slice_countries},
      {'updated': coalesce(updated_date, ''), 'file_order': -file_order, 'line': -line}
    ) as w
  from compact_stage
  group by work_id
),

final as (
  select
    work_id,
    w.year,
    w.title,
    null::varchar as abstract,
    null::json as authorships,
    w.authors_truncated,
    null::json as mesh,
    w.type,
    w.language,
    w.updated_date,
    w.origin,
    w.slice_countries
  from newest
)

select * from final
