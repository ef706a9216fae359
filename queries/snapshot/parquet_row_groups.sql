-- one row per row group of the Parquet part $file, in order: its first and last row as
-- schema/snapshot_parquet.sql numbers them (`line`, 1-based), for reading it a row group at a time
-- reads: (none)
with groups as (
  select row_group_id, any_value(row_group_num_rows) as num_rows
  from parquet_metadata($file)
  group by row_group_id
),
final as (
  select
    (sum(num_rows) over (order by row_group_id) - num_rows + 1)::bigint as first_line,
    sum(num_rows) over (order by row_group_id)::bigint as last_line
  from groups
)
select * from final
where last_line >= first_line
order by first_line
