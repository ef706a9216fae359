-- empties the classifications: the works changed under them, so classify makes them again
delete from classified
