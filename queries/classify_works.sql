-- dialect: DuckDB 1.5 (RE2 regular expressions, list lambdas, json_extract); the BigQuery twin is sql/bigquery/medical_ai_counts.sql
-- one row per work in `works`, in the columns of the `classified` table: the keyword terms its
-- title + abstract match (masks and vetoes applied), its verdict, the countries it counts for and
-- each country's fractional weight;
-- the SQL twin of src/classify/classifier.ts and countries.ts, with the patterns that
-- src/classify/keywords.ts compiles, bound as parameters
-- reads: works
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
        type,
        title,
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

author_countries as (
    -- Each author's distinct countries, as authorCountries() in src/classify/countries.ts: their
    -- own countries and their institutions' country_code (pre-2023 records have only the latter);
    -- with $fold_hk_mo, Hong Kong and Macao count as China (Taiwan never does). Authors with no
    -- country are dropped here: fractional counting splits a paper over the others only.
    select
        work_id,
        year,
        list_filter(
            list_transform(
                coalesce(json_extract(authorships, '$[*]'), []::json[]),
                author -> list_distinct(list_transform(
                    list_filter(
                        flatten([
                            coalesce(json_extract_string(author, '$.countries[*]'), []::varchar[]),
                            coalesce(json_extract_string(author, '$.institutionCountries[*]'), []::varchar[])
                        ]),
                        code -> code is not null
                    ),
                    code -> case when $fold_hk_mo and code in ('HK', 'MO') then 'CN' else code end
                ))
            ),
            author_set -> len(author_set) > 0
        ) as known
    from works
),

work_countries as (
    -- Full counting, as countriesOf(): every distinct country of any author. Fractional counting,
    -- as fractionalWeights(): weight 1 split equally over the authors with a country, and each
    -- author's share equally over their countries; `weights[i]` belongs to `countries[i]`.
    select
        work_id,
        year,
        countries,
        list_transform(
            countries,
            country -> list_sum(list_transform(
                known,
                author_set -> case when list_contains(author_set, country) then 1.0 / len(author_set) else 0.0 end
            )) / len(known)
        ) as weights
    from (
        select work_id, year, known, list_sort(list_distinct(flatten(known))) as countries
        from author_countries
    )
),

verdicts as (
    select
        texts.work_id,
        work_countries.year,
        coalesce(list_contains(matched_groups.matched_groups, 'medical'), false) as is_medical,
        coalesce(list_contains(matched_groups.matched_groups, 'ai'), false) as is_ai,
        coalesce(list_has_all(matched_groups.matched_groups, $require::varchar[]), false) as is_medical_ai,
        coalesce(per_work.matched_terms, []::varchar[]) as matched_terms,
        work_countries.countries,
        work_countries.weights,
        texts.type,
        texts.title as work_title
    from texts
    inner join work_countries on texts.work_id = work_countries.work_id
    left join per_work on texts.work_id = per_work.work_id
    left join matched_groups on texts.work_id = matched_groups.work_id
),

final as (
    -- The title only where the rule tags the work (schema/classified.sql says why).
    select * exclude (work_title), case when is_medical_ai then work_title end as title, country_set(countries) as country_set
    from verdicts
)

select * from final
order by work_id
