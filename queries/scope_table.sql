-- one row per medical-AI work in the Scope (scope_all_table.sql): the works every count reads
-- reads: scope_all
-- Tagged works only: the counts, the version pairs and works.csv's default listing need no other;
-- the baselines read scope_profile_table.sql, and --list-works all scope_all itself. Their type
-- and title (for the version pairs and works.csv) come with them.
create or replace temp table scope as
with

final as (
  -- With has_selected_country: works.csv lists the works with a selected country; the counts take
  -- every country, for the world totals.
  select * from scope_all($types::varchar[], $compare::boolean) where is_medical_ai
)

select * from final
