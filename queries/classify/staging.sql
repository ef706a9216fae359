-- an empty temp table in the columns of classified: the TypeScript engine appends its rows here, and
-- they go into classified in its layout (classify/staged.sql, CLASSIFIED_ORDER in src/store/store.ts)
-- reads: classified
create or replace temp table classified_staging as select * from classified limit 0
