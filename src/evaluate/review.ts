/**
 * Manual review of the medical-AI tag, the one a Figure 2 count rests on. MeSH can only label the
 * AI half, so "how often is a counted paper wrong?" is answered by reading a random sample: draw
 * it (seeded, so anyone can draw the same one), have a person mark each work yes / no / unsure,
 * and read the marks back into a precision with a 95% interval.
 */
import { classify } from '../classify/classifier.js';
import { countriesOf, type CountryPolicy } from '../classify/countries.js';
import type { KeywordRules } from '../classify/keywords.js';
import type { Work } from '../model/work.js';
import { seededRandom } from '../random.js';
import { toCsv } from '../report/csv.js';
import type { ReviewResult } from '../classify/judgements.js';

// Reading and scoring a filled-in sheet sit below the pipeline, which states the precision in reports.
export { parseJudgements, scoreJudgements, type JudgedWork, type Judgement, type ReviewResult } from '../classify/judgements.js';

const REVIEW_COLUMNS = ['work_id', 'year', 'title', 'abstract', 'matched_terms', 'judgement', 'note'] as const;

export interface SampleRequest {
  n: number;
  seed: number;
  from: number | null;
  to: number | null;
  /** Only works with an author affiliation in one of these (as Figure 2 counts); null = any. */
  countries: string[] | null;
  policy: CountryPolicy;
}

export interface ReviewSample {
  /** Works tagged medical AI in the window: what the sample stands for. */
  population: number;
  /** Drawn works, sorted by id. */
  works: { work: Work; matchedTerms: string[] }[];
}

const byWorkId = (a: { work: Work }, b: { work: Work }): number => (a.work.id < b.work.id ? -1 : a.work.id > b.work.id ? 1 : 0);

/**
 * A simple random sample without replacement of the works tagged medical AI in the window. The
 * population is sorted by id before a seeded shuffle, so the same corpus, rules and seed give the
 * same sample whatever order the works were read in.
 */
export async function drawReviewSample(works: AsyncIterable<Work> | Iterable<Work>, rules: KeywordRules, req: SampleRequest): Promise<ReviewSample> {
  const tagged: { work: Work; matchedTerms: string[] }[] = [];
  for await (const w of works) {
    if ((req.from !== null && w.year < req.from) || (req.to !== null && w.year > req.to)) continue;
    if (req.countries !== null && !countriesOf(w.authorships, req.policy).some((c) => req.countries?.includes(c))) continue;
    const c = classify(w, rules);
    if (c.isMedicalAi) tagged.push({ work: w, matchedTerms: c.matchedTerms });
  }
  tagged.sort(byWorkId);
  const random = seededRandom(req.seed);
  const k = Math.min(req.n, tagged.length);
  // Partial Fisher-Yates: the first k places end up a uniform sample.
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (tagged.length - i));
    [tagged[i], tagged[j]] = [tagged[j] as (typeof tagged)[number], tagged[i] as (typeof tagged)[number]];
  }
  const drawn = tagged.slice(0, k).sort(byWorkId);
  return { population: tagged.length, works: drawn };
}

/** The sheet a reviewer fills in: one row per drawn work, `judgement` and `note` left empty. */
export function reviewSheet(sample: ReviewSample): string {
  return toCsv(
    REVIEW_COLUMNS,
    sample.works.map(({ work, matchedTerms }) => [work.id, work.year, work.title, work.abstract, matchedTerms.join('; '), '', '']),
  );
}

/** How a sample was drawn, written next to the sheet so its precision can be traced and redrawn. */
export interface SampleRecord {
  corpus: string;
  seed: number;
  requested: number;
  drawn: number;
  population: number;
  from: number | null;
  to: number | null;
  countries: string[] | null;
  countryPolicy: CountryPolicy;
  keywords: { path: string; sha256: string }[];
}

/** Where the draw record of a sheet lives: `review.csv` -> `review.json`. */
export function sampleRecordPath(sheet: string): string {
  return sheet.replace(/\.csv$/i, '') + '.json';
}

const fmt = (v: number): string => v.toFixed(3);

/** The review section of reports/evaluation.md. */
export function reviewMarkdown(r: ReviewResult, sheet: string, record: SampleRecord | null, rules: KeywordRules): string {
  const out = ['', '## Medical-AI tag: precision from a manual review', ''];
  if (record !== null) {
    out.push(
      `Sheet \`${sheet}\`: ${record.drawn} works drawn at random (seed ${record.seed}) from the ${record.population} works the rule tagged medical AI in ${record.corpus}${record.from !== null || record.to !== null ? `, years ${record.from ?? 'any'}-${record.to ?? 'any'}` : ''}${record.countries ? `, with an affiliation in ${record.countries.join(', ')}` : ''}.`,
    );
    const now = new Map(rules.files.map((f) => [f.path, f.sha256]));
    const changed = record.keywords.filter((f) => now.get(f.path) !== f.sha256).map((f) => f.path);
    if (changed.length > 0) out.push('', `The keyword files changed since the draw (${changed.join(', ')}): the sample stands for the old tag, so read the figures as indicative.`);
  } else {
    out.push(`Sheet \`${sheet}\` (no draw record next to it, so how the works were chosen is not known here).`);
  }
  out.push(
    '',
    '| | works |',
    '|---|---|',
    `| rows | ${r.rows} |`,
    `| judged yes (medical AI) | ${r.yes} |`,
    `| judged no | ${r.no} |`,
    `| unsure | ${r.unsure} |`,
    `| not judged yet | ${r.notJudged} |`,
    `| no longer tagged by the current rule | ${r.noLongerTagged.length} |`,
    `| not in this corpus or year window | ${r.notInCorpus.length} |`,
    '',
    r.precision === null
      ? 'Precision: no work judged yes or no yet.'
      : `Precision ${fmt(r.precision)} (${r.yes}/${r.yes + r.no}), 95% CI ${fmt(r.ci?.low ?? 0)}-${fmt(r.ci?.high ?? 0)}` +
          (r.unsure > 0 && r.unsureRange !== null ? `; counting the unsure as no / as yes: ${fmt(r.unsureRange[0])} / ${fmt(r.unsureRange[1])}.` : '.'),
  );
  if (r.falsePositives.length > 0) {
    out.push('', 'Judged not medical AI:', '', '| work | note |', '|---|---|');
    for (const f of r.falsePositives) out.push(`| ${f.workId} | ${f.note.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ') || '-'} |`);
  }
  if (r.noLongerTagged.length > 0) {
    const yesDropped = r.noLongerTagged.filter((w) => w.judgement === 'yes').length;
    out.push(
      '',
      `No longer tagged by the current rule: ${r.noLongerTagged.map((w) => `${w.workId} (${w.judgement ?? 'not judged'})`).join(', ')}.`,
      `Of the works judged medical AI, the current rule keeps ${r.yes} of ${r.yes + yesDropped}${r.yes + yesDropped > 0 ? ` (${fmt(r.yes / (r.yes + yesDropped))})` : ''}.`,
    );
  }
  out.push('');
  return out.join('\n');
}

/** One line for the terminal. */
export function reviewSummaryLine(r: ReviewResult): string {
  if (r.precision === null) return `manual review: no work judged yes or no yet (${r.rows} rows)`;
  const yesDropped = r.noLongerTagged.filter((w) => w.judgement === 'yes').length;
  return `medical-AI tag, manual review: precision ${fmt(r.precision)} [${fmt(r.ci?.low ?? 0)}-${fmt(r.ci?.high ?? 0)}] (${r.yes}/${r.yes + r.no}); unsure ${r.unsure}, not judged ${r.notJudged}, no longer tagged ${r.noLongerTagged.length} (${yesDropped} of them judged yes)`;
}
