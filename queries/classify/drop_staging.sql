-- the TypeScript engine's staging table, once its rows are in classified
drop table if exists classified_staging
