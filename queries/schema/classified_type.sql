-- no rows: gives a classified table made before it carried the work's type its `type` column (filled by classified_work_fields_fill.sql)
alter table classified add column if not exists type varchar
