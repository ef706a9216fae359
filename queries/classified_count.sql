-- one row: how many works are classified
select count(*)::integer as n from classified
