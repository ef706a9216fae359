-- no rows: fills the `type`, `title` and `country_set` of a classified table that has just gained
-- them (schema/classified_type.sql, classified_title.sql, classified_country_set.sql), as every
-- writer of classified makes them: each work's type, and the title of the works the rule tags as
-- medical AI, from `works`; the countries as one text (schema/country_set.sql)
-- reads: works
update classified c
set type = w.type, title = case when c.is_medical_ai then w.title end, country_set = country_set(c.countries)
from works w
where w.work_id = c.work_id
