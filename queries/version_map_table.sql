-- one row per work that --merge-versions counts through another: the pairs of
-- version_pairs_table.sql, each later version with the earliest version it is counted through
-- reads: version_pairs
-- --merge-versions is applied here and only here: without it the table is empty and every work
-- counts as itself (counted_papers_table.sql, works_scope_table.sql).
create or replace temp table version_map as
with

final as (
  select later_id, kept_id, kept_year
  from version_pairs
  where $merge_versions
)

select * from final
