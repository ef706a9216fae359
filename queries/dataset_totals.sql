-- one row: distinct works stored, classified and tagged, and the newest OpenAlex update among them
-- reads: classified, works
with

works_total as (
  select count(*)::integer as distinct_works, max(updated_date) as newest_updated_date from works
),

classified_total as (
  select
    count(*)::integer as classified,
    count(*) filter (where is_medical)::integer as medical,
    count(*) filter (where is_ai)::integer as ai,
    count(*) filter (where is_medical_ai)::integer as medical_ai
  from classified
),

final as (
  select * from works_total, classified_total
)

select * from final
