-- one row: the Scope's --types, whose verdict the chain counts, and the selected countries as a list
-- reads: scope_cells
-- A view cannot bind parameters, so the values it filters by sit in this table. --types and
-- $compare are bound here and nowhere else in the chain.
create or replace temp table scope_filter as
with

final as (
  select
    -- --types: only works of these OpenAlex types are in scope (an empty list: every type).
    $types::varchar[] as types,
    -- The verdict the chain counts: the rule's, or with $compare the second rule's
    -- (--compare-keywords, src/pipeline/compare.ts), through the same window, types and versions.
    $compare::boolean as compare,
    -- --countries as one list, for list_has_any: works.csv lists the works with a selected country.
    (select list(distinct country order by country) from scope_cells) as countries
)

select * from final
