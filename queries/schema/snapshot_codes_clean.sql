-- Whether typed authorships are as normalizeWork() (src/model/work.ts) takes them without a note:
-- no author missing, every author's country and every institution's country_code (which may be
-- null: OpenAlex's "not known") an upper-case ISO 3166-1 alpha-2 code. Anything else gets a repair
-- note or a reject there, which the node reader writes (`precise`).
create or replace temp macro snapshot_codes_clean(auths) as
  coalesce(list_bool_and(list_transform(coalesce(auths, []), a ->
    a is not null
    and coalesce(list_bool_and(list_transform(a.countries, c -> coalesce(c similar to '[A-Z]{2}', false))), true)
    and coalesce(list_bool_and(list_transform(a.institutions, i -> coalesce(i.country_code similar to '[A-Z]{2}', true))), true))), true)
