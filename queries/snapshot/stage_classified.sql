-- one row per usable record of the temp table `snapshot_read` (reject is null), in the columns of
-- compact_stage: the record's fields, its origin, and the keyword rule's verdict on its title and
-- abstract (masks, vetoes, terms inside terms, strength, title terms), equal to classify() in
-- src/classify/classifier.ts and to queries/classify_works.sql for every work.
-- A SELECT: the caller prefixes `insert into compact_stage`. Params: stageClassifiedParams() in
-- src/classify/sql.ts (the patterns src/classify/keywords.ts compiles), with $origin_prefix
-- ('<displayPath>:') and $file_order.
-- Rows are keyed by `line`, unique in a file (a file may hold two copies of a work).
-- reads: snapshot_read
with terms as (
    -- One row per term; `kind` says how it is decided (TermKind in src/classify/sql.ts).
    select
        unnest($labels::varchar[]) as label,
        unnest($groups::varchar[]) as term_group,
        unnest($kinds::varchar[]) as kind,
        unnest($patterns::varchar[]) as pattern,
        unnest($vetoes::varchar[]) as veto,
        unnest($literals::varchar[]) as literal,
        unnest($literal_firsts::varchar[]) as literal_first,
        unnest($word_runs::varchar[][][]) as word_runs,
        -- The longer terms of its group that contain it, e.g. "drug discovery" for "drug".
        unnest($within::varchar[][]) as within
),

term_keys as (
    -- One row per (word term, token every match of it contains), as the TS pre-check.
    select
        unnest($key_labels::varchar[]) as label,
        unnest($key_tokens::varchar[]) as token
),

scanned as (
    -- The one pass over each text (searchableText()), with one constant pattern compiled once:
    -- Chinese mask phrases, the joiner, first characters of `none` terms and chains of scanned
    -- words, in text order (stageClassifiedParams() says why they cannot overlap). When the
    -- rule's masks cannot be found this way ($scan_masks false), every text is masked first.
    select
        line,
        text,
        regexp_extract_all(
            case when $scan_masks then text else regexp_replace(text, $mask, ' ', 'g') end,
            $scan_pattern
        ) as items
    from (
        select line, coalesce(title, '') || $joiner || coalesce(abstract, '') as text
        from snapshot_read
        where reject is null
    )
),

masked_scans as (
    -- A work holds a mask phrase exactly when one of its items does; only such a work has a
    -- masked text that differs, and it is scanned again, masked (with no masks in the pattern).
    select
        line,
        has_mask,
        case
            when has_mask then regexp_extract_all(regexp_replace(text, $mask, ' ', 'g'), $plain_pattern)
            else items
        end as items
    from (
        select
            line,
            text,
            items,
            case
                when not $scan_masks or $mask = '' then false
                else list_bool_or(list_transform(items, item -> regexp_matches(item, $mask)))
            end as has_mask
        from scanned
    )
),

work_items as (
    -- Chains start with an ASCII word character, first characters are not ASCII; the title is
    -- what precedes the first joiner, as titlePart() in the TS twin.
    select
        line,
        has_mask,
        list_filter(items, item -> item <> $joiner and ascii(item) < 128) as chains,
        list_filter(items[:list_position(items, $joiner) - 1], item -> ascii(item) < 128) as title_chains,
        list_distinct(list_filter(items, item -> ascii(item) >= 128)) as firsts
    from masked_scans
),

work_words as (
    -- The words of each work, as written (each once) and lower-cased (as the TS pre-check).
    select
        line,
        title_chains,
        list_distinct(flatten(list_transform(chains, chain -> regexp_extract_all(chain, '[A-Za-z0-9_]+')))) as words,
        list_distinct(flatten(list_transform(title_chains, chain -> regexp_extract_all(chain, '[A-Za-z0-9_]+')))) as title_words
    from work_items
),

work_tokens as (
    select
        line,
        list_distinct(list_transform(words, item -> lower(item))) as tokens,
        list_distinct(list_transform(title_words, item -> lower(item))) as title_tokens
    from work_words
),

word_items as (
    -- Each word of a work once, as written, and whether the title holds it.
    select line, item, lower(item) as token, list_contains(title_words, item) as in_title
    from (select line, title_words, unnest(words) as item from work_words)
),

key_pairs as (
    select word_items.line, word_items.item, word_items.in_title, terms.label, terms.kind
    from word_items
    inner join term_keys on word_items.token = term_keys.token
    inner join terms on term_keys.label = terms.label
),

spellings as (
    -- A case-sensitive one-word term matches where one of the work's tokens is a spelling of
    -- it; a pattern that is not constant is compiled per row, so each distinct token of the
    -- file is tried once, not once per work.
    select pairs.item, pairs.label
    from (select distinct item, label from key_pairs where kind = 'spelling') as pairs
    inner join terms on pairs.label = terms.label
    where regexp_matches(pairs.item, terms.pattern)
),

chain_items as (
    -- Each chain of two or more words of a work once, and whether the title holds it.
    select line, chain, list_contains(title_chains, chain) as in_title
    from (select line, title_chains, unnest(list_distinct(chains)) as chain from work_items)
    where not regexp_full_match(chain, '[A-Za-z0-9_]+')
),

chain_terms as (
    -- The multi-word terms each distinct chain of the file matches: tried where the chain holds
    -- the key token and every word of the term, with the term's regex (the definition), once
    -- per distinct chain.
    select candidates.chain, terms.label
    from (
        select distinct chains.chain, chains.tokens, term_keys.label
        from (
            select chain, tokens, unnest(tokens) as token
            from (
                select chain, list_distinct(list_transform(regexp_extract_all(chain, '[A-Za-z0-9_]+'), item -> lower(item))) as tokens
                from (select distinct chain from chain_items)
            )
        ) as chains
        inner join term_keys on chains.token = term_keys.token
    ) as candidates
    inner join terms on candidates.label = terms.label
    where terms.kind = 'chain' and case
        when not list_bool_and(list_transform(terms.word_runs, run -> list_has_any(run, candidates.tokens))) then false
        else regexp_matches(candidates.chain, terms.pattern)
    end
),

token_hits as (
    -- byToken terms: holding a key token is the match. Spellings: holding one of them. Chain
    -- terms: holding a chain that matches.
    select line, label, bool_or(in_title) as in_title
    from (
        select line, label, in_title from key_pairs where kind = 'token'
        union all
        select key_pairs.line, key_pairs.label, key_pairs.in_title
        from key_pairs
        inner join spellings on key_pairs.item = spellings.item and key_pairs.label = spellings.label
        union all
        select chain_items.line, chain_terms.label, chain_items.in_title
        from chain_items
        inner join chain_terms on chain_items.chain = chain_terms.chain
    )
    group by line, label
),

text_tasks as (
    -- What needs the masked text, per work: phrases with punctuation whose key token and every
    -- word are tokens of it (the regex decides), `none` terms whose first character it holds (or
    -- that start with an ASCII character), and terms found that have a veto phrase.
    select
        line,
        list(struct_pack(
            label := label, kind := kind, pattern := pattern, literal := literal, veto := veto,
            in_title := in_title, maybe_title := maybe_title
        )) as tasks
    from (
        select token_hits.line, terms.label, terms.kind, terms.pattern, terms.literal, terms.veto, token_hits.in_title, false as maybe_title
        from token_hits
        inner join terms on token_hits.label = terms.label
        where terms.veto <> ''
        union all
        select
            pairs.line, terms.label, terms.kind, terms.pattern, terms.literal, terms.veto, null,
            list_bool_and(list_transform(terms.word_runs, run -> list_has_any(run, work_tokens.title_tokens)))
        from (select distinct line, label from key_pairs where kind = 'phrase') as pairs
        inner join terms on pairs.label = terms.label
        inner join work_tokens on pairs.line = work_tokens.line
        where list_bool_and(list_transform(terms.word_runs, run -> list_has_any(run, work_tokens.tokens)))
        union all
        select firsts.line, terms.label, terms.kind, terms.pattern, terms.literal, terms.veto, null, true
        from (select distinct line, unnest(firsts) as first from work_items) as firsts
        inner join terms on firsts.first = terms.literal_first
        union all
        select work_items.line, terms.label, terms.kind, terms.pattern, terms.literal, terms.veto, null, true
        from work_items
        inner join terms on terms.kind = 'literal' and terms.literal_first = ''
    )
    group by line
),

masked_texts as (
    -- The masked text, as maskedText(), of the works with a task: replaced only where the scan
    -- met a mask phrase (elsewhere the replacement changes nothing).
    select
        text_tasks.line,
        text_tasks.tasks,
        case
            when work_items.has_mask or not $scan_masks then regexp_replace(text, $mask, ' ', 'g')
            else text
        end as masked
    from (
        select line, coalesce(title, '') || $joiner || coalesce(abstract, '') as text
        from snapshot_read
        where reject is null
    ) as records
    inner join text_tasks on records.line = text_tasks.line
    inner join work_items on records.line = work_items.line
),

text_found as (
    -- Each task's answer; CASE so that a regex runs only where it must.
    select
        line,
        masked,
        list_filter(
            list_transform(tasks, task -> struct_pack(
                label := task.label,
                veto := task.veto,
                in_title := task.in_title,
                maybe_title := task.maybe_title,
                kind := task.kind,
                pattern := task.pattern,
                literal := task.literal,
                hit := case
                    when task.kind = 'phrase' then regexp_matches(masked, task.pattern)
                    when task.kind = 'literal' then contains(masked, task.literal)
                    else true
                end
            )),
            found -> found.hit
        ) as found
    from masked_texts
),

text_hits as (
    -- A term with a veto phrase present is off. $veto_any (all veto phrases, compiled once) is
    -- asked first, so a term's own veto pattern (compiled per row) runs on few texts. Title
    -- terms are looked for only where rule.json `strength` may need them ($title_terms).
    select
        line,
        found.label as label,
        case
            -- Terms the scan found know it already (token, spelling, chain).
            when found.in_title is not null then found.in_title
            when not $title_terms then false
            when found.kind = 'literal' then contains(title_part, found.literal)
            when not found.maybe_title then false
            else regexp_matches(title_part, found.pattern)
        end as in_title
    from (
        select
            line,
            masked,
            unnest(found) as found,
            case
                when not list_bool_or(list_transform(found, f -> f.veto <> '')) then false
                else regexp_matches(masked, $veto_any)
            end as any_veto,
            case when $title_terms then split_part(masked, $joiner, 1) else '' end as title_part
        from text_found
    )
    where case
        when found.veto = '' or not any_veto then true
        else not regexp_matches(masked, found.veto)
    end
),

work_hits as (
    -- Each work's matched terms (masks and vetoes applied), with the terms that contain them.
    select hits.line, list(struct_pack(label := hits.label, term_group := terms.term_group, in_title := hits.in_title, within := terms.within)) as hits
    from (
        select line, label, in_title
        from token_hits
        where label not in (select label from terms where veto <> '')
        union all
        select line, label, in_title
        from text_hits
    ) as hits
    inner join terms on hits.label = terms.label
    group by hits.line
),

verdicts as (
    -- The groups with enough evidence, as groupsWithEnough(): one matched term, or what
    -- rule.json `strength` asks (minTerms different terms, or one of them in the title); a term
    -- inside another matched term of its group is not a different term.
    select
        line,
        matched_terms,
        list_filter(['ai', 'medical'], term_group ->
            len(list_filter(hits, h -> h.term_group = term_group)) > 0
            and (
                len(list_filter(hits, h -> h.term_group = term_group and not list_has_any(h.within, matched_terms)))
                    >= coalesce(list_extract($strength_min::integer[], list_position($strength_groups::varchar[], term_group)), 1)
                or (
                    coalesce(list_extract($strength_title::boolean[], list_position($strength_groups::varchar[], term_group)), false)
                    and coalesce(list_bool_or(list_transform(list_filter(hits, h -> h.term_group = term_group), h -> h.in_title)), false)
                )
            )
        ) as matched_groups
    from (select line, hits, list_sort(list_transform(hits, h -> h.label)) as matched_terms from work_hits)
),

final as (
    select
        snapshot_read.work_id,
        snapshot_read.year,
        snapshot_read.type,
        snapshot_read.title,
        snapshot_read.language,
        snapshot_read.updated_date,
        snapshot_read.authors_truncated,
        $origin_prefix || snapshot_read.line::varchar as origin,
        $file_order::integer as file_order,
        snapshot_read.line,
        snapshot_read.slice_countries,
        snapshot_read.countries,
        snapshot_read.weights,
        coalesce(list_contains(verdicts.matched_groups, 'medical'), false) as is_medical,
        coalesce(list_contains(verdicts.matched_groups, 'ai'), false) as is_ai,
        coalesce(list_has_all(verdicts.matched_groups, $require::varchar[]), false) as is_medical_ai,
        coalesce(verdicts.matched_terms, []::varchar[]) as matched_terms
    from snapshot_read
    left join verdicts on snapshot_read.line = verdicts.line
    where snapshot_read.reject is null
)

select * from final
