-- one row per key: sets the JSON value of one fact about the data set
insert or replace into meta values ($key, $value)
