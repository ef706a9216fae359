-- an empty temp table in the columns of classified but the last, country_set: the TypeScript engine
-- appends its rows here, and they go into classified in its layout with their country_set made
-- (classify/staged.sql, CLASSIFIED_ORDER in src/store/store.ts)
-- reads: classified
create or replace temp table classified_staging as select * exclude (country_set) from classified limit 0
