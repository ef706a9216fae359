-- drops the classifications, so schema/classified recreates them with today's columns
drop table if exists classified
