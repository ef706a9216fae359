-- removes every stored work OpenAlex lists as deleted (already set aside as retired)
-- reads: deleted_ids, works
delete from works where work_id in (select work_id from deleted_ids)
