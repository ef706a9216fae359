-- works.csv: one row per distinct work in scope (see works_scope_table.sql), text cells made safe for
-- a spreadsheet (csv_cell.sql), title last (the long free-text column), written to $path
-- reads: works_scope
copy (
  select
    csv_cell(work_id) as work_id,
    year,
    csv_cell(type) as type,
    csv_cell(array_to_string(countries, ';')) as countries,
    is_medical,
    is_ai,
    csv_cell(array_to_string(matched_terms, ';')) as matched_terms,
    csv_cell(merged_into) as merged_into,
    csv_cell(title) as title
  from works_scope
  order by length(work_id), work_id
) to $path (format csv, header true)
