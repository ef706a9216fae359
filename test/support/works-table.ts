/** Works made for the SQL classifier's tests and benchmarks. */
import type { Work } from '../../src/model/work.js';

/** A Work with only a title and an abstract (CONSTRUCTED texts): no authors, no MeSH. */
export function textWork(id: string, title: string | null, abstract: string | null, year = 2020): Work {
  return { id, year, title, abstract, authorships: [], authorsTruncated: false, mesh: null, type: null, language: null, updatedDate: null };
}
