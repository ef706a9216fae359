-- one row (or none): the JSON value of one fact about the data set, as text
select value::varchar as v from meta where key = $key
