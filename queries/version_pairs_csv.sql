-- version-pairs.csv: every pair of version_pairs_table.sql, in the order the summary names them, written to $path
-- reads: version_pairs
copy (
  select
    csv_cell(kept_id) as kept_id,
    kept_year,
    csv_cell(kept_type) as kept_type,
    csv_cell(later_id) as later_id,
    later_year,
    csv_cell(later_type) as later_type
  from version_pairs
  order by length(kept_id), kept_id, length(later_id), later_id
) to $path (format csv, header true)
