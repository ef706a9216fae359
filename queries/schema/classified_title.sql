-- no rows: gives a classified table made before it carried titles its `title` column (filled by classified_work_fields_fill.sql)
alter table classified add column if not exists title varchar
