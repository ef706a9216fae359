-- one row per medical-AI work in the Scope (scope_all_table.sql): the works every count reads
-- reads: scope_all, works
-- Tagged works only: the counts, the version pairs and works.csv's default listing need no other;
-- the baselines read scope_profile_table.sql, and --list-works all scope_all itself.
-- The stored work's type and title are joined here, once, for the version pairs and works.csv: each
-- join with `works` reads its 5M ids at the 5M-work bench (0.2-0.4 s), and they made two.
create or replace temp table scope as
with

final as (
  select
    -- With has_selected_country: works.csv lists the works with a selected country; the counts take
    -- every country, for the world totals.
    scope_all.*,
    works.type,
    works.title
  from scope_all($types::varchar[], $compare::boolean) as scope_all
  left join works on works.work_id = scope_all.work_id
  where scope_all.is_medical_ai
)

select * from final
