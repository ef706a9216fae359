-- one row per work in `works`: the keyword terms its title + abstract match (masks and vetoes
-- applied) and its verdict; the SQL twin of src/classify/classifier.ts, with the patterns that
-- src/classify/keywords.ts compiles, bound as parameters
with terms as (
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
    select work_id, label, term_group
    from (select * from word_hits union all select * from literal_hits)
    where veto = '' or not regexp_matches(text, veto)
),

per_work as (
    select work_id, list_sort(list(label)) as matched_terms, list_distinct(list(term_group)) as matched_groups
    from hits
    group by work_id
),

final as (
    select
        texts.work_id,
        coalesce(list_contains(per_work.matched_groups, 'medical'), false) as is_medical,
        coalesce(list_contains(per_work.matched_groups, 'ai'), false) as is_ai,
        coalesce(list_has_all(per_work.matched_groups, $require::varchar[]), false) as is_medical_ai,
        coalesce(per_work.matched_terms, []::varchar[]) as matched_terms
    from texts
    left join per_work on texts.work_id = per_work.work_id
)

select * from final
order by work_id
