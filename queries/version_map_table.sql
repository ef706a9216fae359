-- one row per work that --merge-versions counts through another: the paper's earliest version
-- among the pairs of version_pairs_table.sql (with three versions, the one the others follow)
create or replace temp table version_map as
with

final as (
  select later_id, kept_id, kept_year
  from version_pairs
  where kept_id not in (select later_id from version_pairs)
)

select * from final
