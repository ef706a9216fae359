-- The word -> positions map of an `abstract_inverted_index` JSON value, as rebuildAbstract() in
-- src/model/abstract.ts takes it: pre-2023 snapshot parts wrap it as {"IndexLength": n,
-- "InvertedIndex": {...}}; the API's plain map is taken as it is. (The text test first: most
-- records have no wrapper, and it spares them a parse.)
create or replace macro snapshot_aii_inner(aii) as
  case when contains(aii::varchar, '"InvertedIndex"') and json_type(aii, '$.InvertedIndex') = 'OBJECT' then json_extract(aii, '$.InvertedIndex') else aii end
