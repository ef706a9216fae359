-- removes one fact about the data set (a refresh's plan, once the refresh finished)
-- reads: meta
delete from meta where key = $key
