-- one row per counter: adds $delta to the named running total
-- reads: counters
insert into counters values ($name, $delta)
on conflict (name) do update set value = counters.value + excluded.value
