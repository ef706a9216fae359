-- one row per work: the classifier's verdict, the terms behind it the countries it counts for and their fractional weights
create table if not exists classified (
  work_id varchar primary key,
  year integer not null,
  is_medical boolean not null,
  is_ai boolean not null,
  -- The rule's verdict (rule.json says which groups must match), stored so SQL never re-derives it.
  is_medical_ai boolean not null,
  matched_terms varchar[] not null,
  countries varchar[] not null,
  -- Fractional counting (src/classify/countries.ts fractionalWeights): the weight of countries[i],
  -- all > 0, adding up to 1 for a paper with any country.
  weights double[] not null,
  -- The work's OpenAlex type (null: none), and the title of the works the rule tags as medical AI
  -- (null for the others): what the report lists and pairs, so it reads no other work's title.
  -- Copied from `works` by every writer of this table; a table made before them gains them empty
  -- and filled (schema/classified_work_fields.sql).
  type varchar,
  title varchar,
  -- The countries as one text ('CN,US'), for grouping (schema/country_set.sql).
  country_set varchar
)
