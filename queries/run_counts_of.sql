-- one row per year x country: the counts one run published, in year order
select year, country, papers, fractional
from run_counts
where run_id = $run_id
order by year, country
