-- one row per work set aside: held before the refresh, in the slices walked again, but no longer returned by OpenAlex
-- reads: previous_works, works
insert into rejects
select
  'retired' as kind,
  'refresh' as origin,
  p.work_id,
  -- OpenAlex drops deleted works from its lists and lists a merged work only under the id it was
  -- merged into, so a work a complete walk no longer returns is gone from the counts.
  'no longer returned by OpenAlex (deleted, or merged into another work)' as reason,
  null as raw
from previous_works p
anti join works w using (work_id)
where p.year between $from_year and $to_year
  -- The slices walked again, as 'year country' keys ($cells null: every slice, a whole --refresh).
  and ($cells is null or list_has_any(list_transform(p.countries, c -> p.year::varchar || ' ' || c), $cells))
