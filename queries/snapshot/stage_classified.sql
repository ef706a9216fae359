-- one row per usable record of the file in temp table snapshot_read: the compact_stage row (the
-- work's fields, where it was read, its countries and the keyword rule's verdict)
-- STAND-IN (H3): classify_works.sql's matching over snapshot_read, so the duckdb reader runs end to
-- end until H2's stage_classified.sql replaces this file (same columns, same bound parameters).
-- reads: snapshot_read
with works as (
    -- Keyed by line, not id: a file may hold two copies of one work, each its own row.
    select * exclude (work_id), line::varchar as work_id, work_id as real_id from snapshot_read where reject is null
),

terms as (
    -- One row per term; `literal` is set for substring (Chinese) terms, '' for word terms.
    select
        unnest($labels::varchar[]) as label,
        unnest($groups::varchar[]) as term_group,
        unnest($patterns::varchar[]) as pattern,
        unnest($vetoes::varchar[]) as veto,
        unnest($literals::varchar[]) as literal,
        unnest($by_token::boolean[]) as by_token
),

term_keys as (
    -- One row per (word term, token every match of it contains).
    select
        unnest($key_labels::varchar[]) as label,
        unnest($key_tokens::varchar[]) as token
),

texts as (
    -- The same joined text as searchableText(); mask phrases become one space, as in the TS twin.
    select
        work_id,
        case
            when $mask = '' then coalesce(title, '') || $joiner || coalesce(abstract, '')
            else regexp_replace(coalesce(title, '') || $joiner || coalesce(abstract, ''), $mask, ' ', 'g')
        end as text
    from works
),

tokens as (
    -- Word tokens are what `\b` sees as word characters, lower-cased one by one.
    select distinct work_id, lower(unnest(regexp_extract_all(text, $word_token))) as token
    from texts
),

word_hits as (
    -- A regex is compiled per candidate pair (DuckDB does not cache non-constant patterns), so
    -- only terms whose key token the text holds are tried, and one-word terms need no regex at all.
    select distinct texts.work_id, texts.text, terms.label, terms.term_group, terms.veto
    from tokens
    inner join term_keys on tokens.token = term_keys.token
    inner join terms on term_keys.label = terms.label
    inner join texts on tokens.work_id = texts.work_id
    where terms.by_token or regexp_matches(texts.text, terms.pattern)
),

literal_hits as (
    select texts.work_id, texts.text, terms.label, terms.term_group, terms.veto
    from texts
    inner join terms on terms.literal <> '' and contains(texts.text, terms.literal)
),

hits as (
    select work_id, text, label, term_group
    from (select * from word_hits union all select * from literal_hits)
    where veto = '' or not regexp_matches(text, veto)
),

strength as (
    -- rule.json `strength`: groups that need more than one term anywhere (none by default).
    select
        unnest($strength_groups::varchar[]) as term_group,
        unnest($strength_min::integer[]) as min_terms,
        unnest($strength_title::boolean[]) as or_in_title
),

within_pairs as (
    -- (term, a longer term of its group that contains it), e.g. ("drug", "drug discovery").
    select
        unnest($within_inner::varchar[]) as inner_label,
        unnest($within_outer::varchar[]) as outer_label
),

different_hits as (
    -- A term inside another matched term of the work is not a different term.
    select hits.work_id, hits.label, hits.term_group
    from hits
    where not exists (
        select 1
        from within_pairs
        inner join hits as outer_hits on within_pairs.outer_label = outer_hits.label
        where within_pairs.inner_label = hits.label and outer_hits.work_id = hits.work_id
    )
),

group_hits as (
    select
        different_hits.work_id,
        different_hits.term_group,
        count(distinct different_hits.label) as n_terms,
        coalesce(any_value(strength.min_terms), 1) as min_terms,
        coalesce(any_value(strength.or_in_title), false) as or_in_title
    from different_hits
    left join strength on different_hits.term_group = strength.term_group
    group by different_hits.work_id, different_hits.term_group
),

title_hits as (
    -- Only for a group short of its term count that may count on one term in the title: the
    -- title is the masked text before the first joiner, as in the TS twin.
    select distinct hits.work_id, hits.term_group
    from group_hits
    inner join hits on group_hits.work_id = hits.work_id and group_hits.term_group = hits.term_group
    inner join terms on hits.label = terms.label
    where
        group_hits.n_terms < group_hits.min_terms
        and group_hits.or_in_title
        and case
            when terms.literal <> '' then contains(split_part(hits.text, $joiner, 1), terms.literal)
            else regexp_matches(split_part(hits.text, $joiner, 1), terms.pattern)
        end
),

matched_groups as (
    select work_id, list(term_group) as matched_groups
    from (
        select work_id, term_group from group_hits where n_terms >= min_terms
        union
        select work_id, term_group from title_hits
    )
    group by work_id
),

per_work as (
    select work_id, list_sort(list(label)) as matched_terms
    from hits
    group by work_id
),

final as (
    select
        works.real_id as work_id,
        works.year,
        works.type,
        works.title,
        works.language,
        works.updated_date,
        works.authors_truncated,
        $origin_prefix || works.line as origin,
        $file_order::integer as file_order,
        works.line,
        works.slice_countries,
        works.countries,
        works.weights,
        coalesce(list_contains(matched_groups.matched_groups, 'medical'), false) as is_medical,
        coalesce(list_contains(matched_groups.matched_groups, 'ai'), false) as is_ai,
        coalesce(list_has_all(matched_groups.matched_groups, $require::varchar[]), false) as is_medical_ai,
        coalesce(per_work.matched_terms, []::varchar[]) as matched_terms
    from works
    left join per_work on works.work_id = per_work.work_id
    left join matched_groups on works.work_id = matched_groups.work_id
)

select * from final
