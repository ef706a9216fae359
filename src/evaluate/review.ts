/**
 * Manual review of the medical-AI tag, the one a Figure 2 count rests on. MeSH can only label the
 * AI half, so "how often is a counted paper wrong?" is answered by reading a random sample: draw
 * it (seeded, so anyone can draw the same one), have a person mark each work yes / no / unsure,
 * and read the marks back into a precision with a 95% interval.
 */
import Papa from 'papaparse';
import { classify } from '../classify/classifier.js';
import { countriesOf, type CountryPolicy } from '../classify/countries.js';
import type { KeywordRules } from '../classify/keywords.js';
import { UserError } from '../errors.js';
import { shortWorkId, type Work } from '../model/work.js';
import { seededRandom } from '../random.js';
import { toCsv } from '../report/csv.js';
import { wilson, type Interval } from './metrics.js';

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

export type Judgement = 'yes' | 'no' | 'unsure';

/** The spellings a reviewer may type; a Map, so "constructor" is not found on a prototype. */
const JUDGEMENTS = new Map<string, Judgement>([
  ['yes', 'yes'],
  ['y', 'yes'],
  ['no', 'no'],
  ['n', 'no'],
  ['unsure', 'unsure'],
  ['?', 'unsure'],
]);

export interface JudgedWork {
  workId: string;
  judgement: Judgement | null;
  note: string;
}

/**
 * Reads a filled-in sheet. Every problem is collected and reported with the file and the row
 * (1 = the first row under the header) and work id, so a sheet with typos is fixed in one pass.
 */
export function parseJudgements(text: string, file: string): JudgedWork[] {
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: 'greedy' });
  const problems: string[] = [];
  for (const e of parsed.errors) problems.push(`${file}: row ${(e.row ?? 0) + 1}: ${e.message}`);
  const fields = parsed.meta.fields ?? [];
  for (const col of ['work_id', 'judgement']) if (!fields.includes(col)) problems.push(`${file}: no "${col}" column (header: ${fields.join(', ') || 'empty'})`);
  if (problems.length > 0) throw new UserError(`cannot read the judgements:\n  ${problems.join('\n  ')}`);
  const out: JudgedWork[] = [];
  const seen = new Map<string, number>();
  parsed.data.forEach((row, i) => {
    const where = `${file}: row ${i + 1}`;
    const id = shortWorkId((row.work_id ?? '').trim());
    if (id === null) {
      problems.push(`${where}: work_id ${JSON.stringify(row.work_id ?? '')} is not an OpenAlex work id`);
      return;
    }
    const prior = seen.get(id);
    if (prior !== undefined) problems.push(`${where} (${id}): judged again, first at row ${prior}`);
    seen.set(id, i + 1);
    const raw = (row.judgement ?? '').trim().toLowerCase();
    const judgement = raw === '' ? null : JUDGEMENTS.get(raw);
    if (judgement === undefined) {
      problems.push(`${where} (${id}): judgement ${JSON.stringify(row.judgement)} is not yes, no, unsure or empty`);
      return;
    }
    out.push({ workId: id, judgement, note: (row.note ?? '').trim() });
  });
  if (problems.length > 0) throw new UserError(`${problems.length} problem(s) in the judgements:\n  ${problems.join('\n  ')}`);
  return out;
}

export interface ReviewResult {
  rows: number;
  yes: number;
  no: number;
  unsure: number;
  notJudged: number;
  /** Judged works the current rule no longer tags medical AI (the lists changed since the draw). */
  noLongerTagged: { workId: string; judgement: Judgement | null }[];
  /** Judged works missing from the corpus evaluated now. */
  notInCorpus: string[];
  /** yes / (yes + no) over works still tagged; unsure left out. */
  precision: number | null;
  ci: Interval | null;
  /** Precision if every unsure were no, and if every unsure were yes. */
  unsureRange: [number, number] | null;
  falsePositives: JudgedWork[];
}

/**
 * Scores the judgements against the current verdicts (`tagged`: the judged ids and whether the
 * rule tags them medical AI now; absent = not in the corpus).
 */
export function scoreJudgements(judged: readonly JudgedWork[], tagged: ReadonlyMap<string, boolean>): ReviewResult {
  const r = { yes: 0, no: 0, unsure: 0, notJudged: 0 };
  const noLongerTagged: ReviewResult['noLongerTagged'] = [];
  const notInCorpus: string[] = [];
  const falsePositives: JudgedWork[] = [];
  for (const j of judged) {
    const now = tagged.get(j.workId);
    if (now === undefined) notInCorpus.push(j.workId);
    else if (!now) noLongerTagged.push({ workId: j.workId, judgement: j.judgement });
    else if (j.judgement === null) r.notJudged++;
    else {
      r[j.judgement]++;
      if (j.judgement === 'no') falsePositives.push(j);
    }
  }
  const trials = r.yes + r.no;
  const all = trials + r.unsure;
  return {
    rows: judged.length,
    ...r,
    noLongerTagged,
    notInCorpus,
    precision: trials === 0 ? null : r.yes / trials,
    ci: wilson(r.yes, trials),
    unsureRange: all === 0 ? null : [r.yes / all, (r.yes + r.unsure) / all],
    falsePositives,
  };
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
