-- one row per distinct work: stage rows inserted, or replacing a stored copy with an older updated_date
-- reads: works_stage, works
insert into works
select * from works_stage
on conflict (work_id) do update set
  year = excluded.year,
  title = excluded.title,
  abstract = excluded.abstract,
  authorships = excluded.authorships,
  authors_truncated = excluded.authors_truncated,
  mesh = excluded.mesh,
  type = excluded.type,
  language = excluded.language,
  updated_date = excluded.updated_date,
  origin = excluded.origin
-- The newest-copy rule, as isNewerCopy() in src/model/work.ts: a copy read later replaces the stored
-- one only when OpenAlex updated it since, so the result does not depend on the order files or
-- slices were read in. On a tie the stored copy (read first) stays; no date is older than any date.
where coalesce(excluded.updated_date, '') > coalesce(works.updated_date, '')
