-- one row (or none) for one work: the verdict the classify stage stored, to compare with a fresh explanation
-- reads: classified
with stored as (
    select work_id, is_medical, is_ai, matched_terms
    from classified
    where work_id = $work_id
),

final as (
    select * from stored
)

select * from final
