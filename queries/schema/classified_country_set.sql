-- no rows: gives a classified table made before it carried it its `country_set` column (filled by classified_work_fields_fill.sql)
alter table classified add column if not exists country_set varchar
