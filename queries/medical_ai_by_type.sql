-- medical-AI works in scope by OpenAlex type, most first; a work with no type is '(none)'
-- reads: works_scope
with

final as (
  select coalesce(nullif(type, ''), '(none)') as type, count(*) as works
  from works_scope
  where is_medical_ai
  group by all
  order by works desc, type
)

select * from final
