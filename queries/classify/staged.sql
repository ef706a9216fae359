-- every row the TypeScript engine appended to classify/staging.sql, for classified
-- reads: classified_staging
select * from classified_staging
