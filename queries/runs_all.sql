-- one row per run, oldest first
with runs_ordered as (
  select * from runs
),

final as (
  select * from runs_ordered order by started_at, run_id
)

select * from final
