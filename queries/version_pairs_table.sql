-- one row per medical-AI work in scope that looks like a later version of another (the same title,
-- at least one of the two a preprint, within two years): the later, and the earliest version it is
-- counted through with --merge-versions
-- reads: scope
-- OpenAlex keeps some such versions as separate works. A paper counts once, as its earliest version:
-- so a year's count does not change when a later window brings the other version in. In one year
-- the non-preprint goes first, then the lower id.
-- Each later version is listed once, with the earliest version that has none before it (a root):
-- listing every pair grew with the square of a title's copies (2.4M pairs, 5 s of the report, on
-- the 5M-work bench, whose records repeat with their titles). Linear: window functions find the
-- works with an earlier version, and an ASOF join the earliest root within two years.
create or replace temp table version_pairs as
with

tagged as (
  select
    s.work_id,
    s.year,
    s.type,
    trim(regexp_replace(lower(coalesce(s.title, '')), '[^a-z0-9]+', ' ', 'g')) as title_key,
    -- 'posted-content' is the Crossref type that older OpenAlex records carry for preprints.
    coalesce(s.type in ('preprint', 'posted-content'), false) as is_preprint,
    cast(substr(s.work_id, 2) as bigint) as id_number
  from scope s
  where s.is_medical_ai
),

keyed as (
  -- Short titles ("Introduction", "Editorial") are shared by unrelated works.
  select * from tagged where length(title_key) >= 25
),

ordered as (
  select
    *,
    row_number() over (partition by title_key order by year, is_preprint, id_number) as position,
    -- The years are in order, so the version just before has the latest year of those before.
    lag(year) over (partition by title_key order by year, is_preprint, id_number) as previous_year,
    max(case when is_preprint then year end) over (
      partition by title_key order by year, is_preprint, id_number rows between unbounded preceding and 1 preceding
    ) as previous_preprint_year
  from keyed
),

graded as (
  select
    *,
    -- An earlier version within two years: any one for a preprint, a preprint for the others.
    coalesce(year - case when is_preprint then previous_year else previous_preprint_year end <= 2, false) as has_earlier,
    -- Sorts as (year, position): the first root at or after a year is the earliest of that year on.
    year::bigint * 10000000000 + position as order_key
  from ordered
),

roots as (
  select work_id, year, type, is_preprint, title_key, position, order_key from graded where not has_earlier
),

preprint_roots as (
  select * from roots where is_preprint
),

laters as (
  select *, (year - 2)::bigint * 10000000000 as first_key from graded where has_earlier
),

matched as (
  -- A preprint pairs with any earlier version within two years; another type with a preprint only.
  select l.work_id as later_id, l.year as later_year, l.type as later_type, l.position as later_position,
    r.work_id as kept_id, r.year as kept_year, r.type as kept_type, r.position as kept_position
  from (select * from laters where is_preprint) l
  asof join roots r on l.title_key = r.title_key and l.first_key <= r.order_key
  union all
  select l.work_id, l.year, l.type, l.position, r.work_id, r.year, r.type, r.position
  from (select * from laters where not is_preprint) l
  asof join preprint_roots r on l.title_key = r.title_key and l.first_key <= r.order_key
),

final as (
  select kept_id, kept_year, kept_type, later_id, later_year, later_type
  from matched
  -- The earliest root within two years comes after this version: no root before it is in reach
  -- (its earlier versions are themselves later versions), and it is counted as itself.
  where kept_position < later_position
  order by length(kept_id), kept_id, length(later_id), later_id
)

select * from final
