-- one row per pair of medical-AI works in scope that look like two versions of one paper (the
-- same title, at least one a preprint, within two years): counted twice, and listed so it is seen
with

tagged as (
  select
    work_id,
    year,
    type,
    trim(regexp_replace(lower(coalesce(title, '')), '[^a-z0-9]+', ' ', 'g')) as title_key,
    -- 'posted-content' is the Crossref type that older OpenAlex records carry for preprints.
    coalesce(type in ('preprint', 'posted-content'), false) as is_preprint
  from works_scope
  where is_medical_ai
),

final as (
  select
    p.work_id as preprint_id,
    p.year as preprint_year,
    o.work_id as other_id,
    o.year as other_year,
    o.type as other_type
  from tagged p
  inner join tagged o on p.title_key = o.title_key and p.work_id <> o.work_id
  where p.is_preprint
    -- Short titles ("Introduction", "Editorial") are shared by unrelated works.
    and length(p.title_key) >= 25
    and abs(p.year - o.year) <= 2
    -- Two preprints of one paper are one pair, not two.
    and (not o.is_preprint or p.work_id < o.work_id)
  order by length(p.work_id), p.work_id, length(o.work_id), o.work_id
)

select * from final
