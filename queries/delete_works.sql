-- removes the stored works of $ids: those a refresh found OpenAlex no longer returns (set aside as retired next)
-- reads: works
delete from works where work_id in (select unnest($ids::varchar[]))
