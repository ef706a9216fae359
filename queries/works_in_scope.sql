-- one row per distinct work read whose year is in the window and that has a selected country
with

final as (
  select
    w.work_id,
    w.year,
    array_to_string(c.countries, ';') as countries,
    c.is_medical,
    c.is_ai,
    array_to_string(c.matched_terms, ';') as matched_terms
  from works w
  join classified c using (work_id)
  where w.year between $from_year and $to_year
    and len(list_intersect(c.countries, $countries::varchar[])) > 0
  -- Numeric order of the id, so W9 sorts before W10 as OpenAlex lists them.
  order by length(w.work_id), w.work_id
)

select * from final
