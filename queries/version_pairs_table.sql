-- one row per pair of medical-AI works in scope that look like two versions of one paper: the same
-- title, at least one of them a preprint, within two years.
-- reads: scope, works
-- OpenAlex keeps some such pairs as separate works; `later_id` is the one --merge-versions leaves out.
create or replace temp table version_pairs as
with

tagged as (
  select
    s.work_id,
    s.year,
    w.type,
    trim(regexp_replace(lower(coalesce(w.title, '')), '[^a-z0-9]+', ' ', 'g')) as title_key,
    -- 'posted-content' is the Crossref type that older OpenAlex records carry for preprints.
    coalesce(w.type in ('preprint', 'posted-content'), false) as is_preprint
  from scope s
  left join works w on w.work_id = s.work_id
  where s.is_medical_ai
),

ordered as (
  -- A paper counts once, as its earliest version: so a year's count does not change when a later
  -- window brings the other version in. In one year the non-preprint goes first, then the lower id.
  select *, (year, is_preprint, cast(substr(work_id, 2) as bigint)) as version_order
  from tagged
),

final as (
  select
    kept.work_id as kept_id,
    kept.year as kept_year,
    kept.type as kept_type,
    later.work_id as later_id,
    later.year as later_year,
    later.type as later_type
  from ordered kept
  inner join ordered later on kept.title_key = later.title_key and kept.version_order < later.version_order
  where (kept.is_preprint or later.is_preprint)
    -- Short titles ("Introduction", "Editorial") are shared by unrelated works.
    and length(kept.title_key) >= 25
    and later.year - kept.year <= 2
  order by length(kept.work_id), kept.work_id, length(later.work_id), later.work_id
)

select * from final
