-- no rows: fills the `type` and `title` of a classified table that has just gained them
-- (schema/classified_type.sql, classified_title.sql) from `works`, as every writer of classified
-- copies them: each work's type, and the title of the works the rule tags as medical AI
-- reads: works
update classified c
set type = w.type, title = case when c.is_medical_ai then w.title end
from works w
where w.work_id = c.work_id
