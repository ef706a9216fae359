/**
 * The keyword prefilter is a superset of the classifier on the spellings where a search engine
 * and a regex part ways: irregular plurals, hyphens, acronym plurals, Chinese without spaces.
 * The records here are CONSTRUCTED (the real corpus has too few medical-AI works to reach these
 * cases); the keyword lists and the classifier are the shipped ones.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classifier.js';
import { loadKeywordRules, searchTerms } from '../../src/classify/keywords.js';
import { fetchWorks } from '../../src/fetch/fetcher.js';
import { JournalSink } from '../support/journal-sink.js';
import { startOpenAlexServer, type OpenAlexServer } from '../support/openalex-server.js';
import { quiet, tempDir, testOptions } from './helpers.js';

/** Constructed records: id, country, year, title. */
const CONSTRUCTED: [string, string, number, string][] = [
  ['W9000000001', 'US', 2020, 'Deep learning models of human immunodeficiency viruses'],
  ['W9000000002', 'US', 2021, 'Neural networks for differential diagnoses in primary care'],
  ['W9000000003', 'CN', 2019, '基于深度学习的医学影像分析'],
  ['W9000000004', 'US', 2020, 'Deep-learning based sepsis prediction'],
  ['W9000000005', 'CN', 2021, 'Can AIs help hospital triage?'],
  ['W9000000006', 'US', 2020, 'Machine learning prognoses of metastases'],
  // Not medical: the prefilter must leave it out.
  ['W9000000007', 'US', 2020, 'Deep learning for weather forecasting'],
];

let server: OpenAlexServer | null = null;
afterAll(async () => server?.close());

describe('keyword prefilter on constructed edge cases', () => {
  it('fetches every record the classifier tags, and not the one it does not', async () => {
    const dir = await tempDir('medai-prefilter-');
    const file = join(dir, 'constructed.jsonl');
    const lines = CONSTRUCTED.map(([id, country, year, title]) =>
      JSON.stringify({ id: `https://openalex.org/${id}`, publication_year: year, publication_date: `${year}-05-01`, title, authorships: [{ countries: [country], institutions: [] }] }),
    );
    await writeFile(file, `${lines.join('\n')}\n`);
    server = await startOpenAlexServer({ worksFile: file });

    const rules = await loadKeywordRules();
    const tagged = CONSTRUCTED.filter(([, , , title]) => classify({ title, abstract: null }, rules).isMedicalAi).map(([id]) => id);
    expect(tagged).toHaveLength(6);

    const sink = await JournalSink.open(join(dir, 'journal.jsonl'));
    await fetchWorks(sink, testOptions(server.url, join(dir, 'raw'), { from: 2019, to: 2021, prefilter: searchTerms(rules) }), quiet);
    expect([...sink.works.keys()].sort()).toEqual(tagged);
  });
});
