-- one row: how many works are classified
-- reads: classified
select count(*)::integer as n from classified
