-- one row: how many works the last classify run tagged, per half and both
-- reads: classified
with

final as (
  select
    count(*)::integer as classified,
    count(*) filter (where is_medical)::integer as medical,
    count(*) filter (where is_ai)::integer as ai,
    count(*) filter (where is_medical_ai)::integer as "medicalAi"
  from classified
)

select * from final
