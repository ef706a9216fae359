-- empties the second rule's verdicts: a classify replaces them, or drops them when it compares no rule
delete from classified_compare
