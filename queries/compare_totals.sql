-- one row: the second rule's medical-AI works, and the classified works it has no verdict for
-- (a fetch or classify since the compare was made: the compare is stale)
-- reads: classified, classified_compare
with

final as (
  select
    count(*) filter (where cc.is_medical_ai)::integer as "medicalAi",
    count(*) filter (where cc.work_id is null)::integer as missing
  from classified c
  left join classified_compare cc using (work_id)
)

select * from final
