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
  weights double[] not null
)
