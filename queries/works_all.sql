-- one row per stored work, by id, in the shape rowToWork reads (JSON columns as text)
select work_id, year, title, abstract, authorships::varchar as authorships, authors_truncated, mesh::varchar as mesh, type, language, updated_date
from works
order by work_id
