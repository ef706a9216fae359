-- one row: how many works were set aside because OpenAlex no longer returns them
-- reads: rejects
select count(*)::integer as n from rejects where kind = 'retired'
