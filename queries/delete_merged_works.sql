-- removes every stored work whose id OpenAlex merged into another (already set aside as retired)
-- reads: merged_ids, works
delete from works where work_id in (select work_id from merged_ids)
