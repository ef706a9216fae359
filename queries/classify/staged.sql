-- every row the TypeScript engine appended to classify/staging.sql, with its country_set (schema/country_set.sql), for classified
-- reads: classified_staging
select *, country_set(countries) as country_set from classified_staging
