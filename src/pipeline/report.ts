/**
 * The report stage: aggregates the classified works for the requested window and writes every
 * artefact (charts, CSVs, rejects, manifest, summary) into the output folder; the PDFs are a
 * separate, last step (printReportPdfs).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative } from 'node:path';
import type { Group } from '../classify/keywords.js';
import { UserError } from '../errors.js';
import { buildReportModel, resolveOptions } from '../report/index.js';
import { ChartDrawer } from '../report/drawer.js';
import type { ReportModel } from '../report/model.js';
import { printPdfs, type PdfSettings } from '../report/pdf.js';
import type { ReportOptions, RuleComparison } from '../report/types.js';
import type { Store } from '../store/store.js';
import { aggregate } from './aggregate.js';
import type { WorksListing } from './chain.js';
import { baselinesOf, type BaselineRow } from './baselines.js';
import { toCsv } from '../report/csv.js';
import { compareAggregate, countedWorkIds, reviewPrecisions, withCompare, type CompareRecord, type RulePrecision } from './compare.js';
import type { Scope } from './scope.js';
import type { ClassifierRecord } from './classify.js';
import { chartWarning } from './completeness.js';
import { coverageOf, shareDenominator } from './coverage.js';
import { quietEffects, type Effects } from '../effects/effects.js';
import { VERSION_PAIRS_FILE, VERSION_PAIRS_LISTED, buildManifest, policyText, scopeTotals, summaryMarkdown, writeRejects, writeWorks, type Manifest } from './outputs.js';
import { TOOL_VERSION } from './version.js';
import { PROJECT_ROOT } from '../paths.js';


/** The keyword folder as a report may print it: project-relative, or only its name for a user's own. */
function keywordsLabel(dir: string): string {
  const r = relative(PROJECT_ROOT, dir);
  return r === '' || r.startsWith('..') || isAbsolute(r) ? `${basename(dir)}/ (the user's lists)` : `${r}/`;
}

function evidence(group: Group, rule: ClassifierRecord['rule']): string {
  const name = group === 'ai' ? 'AI' : 'medical';
  const need = rule?.strength[group];
  if (need === undefined || (need.minTerms <= 1 && !need.orInTitle)) return `at least one ${name} keyword`;
  const many = `at least ${need.minTerms} different ${name} keywords`;
  return need.orInTitle ? `a ${name} keyword in the title or ${many}` : many;
}

/**
 * The method as the report states it, from the rule the works were classified with (an older
 * database without the record gets the shipped rule's wording). Each rule is implemented, and
 * commented, where it runs.
 */
export function methodText(rule: ClassifierRecord['rule'], types: readonly string[] = [], mergeVersions = false): string {
  const groups = rule?.require ?? ['medical', 'ai'];
  const halves = (['medical', 'ai'] as const).filter((g) => groups.includes(g)).map((g) => evidence(g, rule));
  return (
    "A paper is counted as medical AI when its title or abstract (rebuilt from OpenAlex's " +
    'abstract_inverted_index; an abstract that is only a publisher placeholder or a landing-page teaser is set aside) ' +
    `contains ${halves.join(' and ')} (case-insensitive, whole words, hyphen and plural variants; ` +
    `lists in ${rule === undefined ? 'data/keywords/' : keywordsLabel(rule.dir)}). Countries ` +
    "come from every author's affiliations (authorships[].countries and institutions' country_code); " +
    'a paper counts once for each distinct country (full counting), so papers with authors in two ' +
    'countries count for both. Fractional counting (CWTS Leiden style) splits each paper into 1: equally over its ' +
    "authors with a known country, and each author's share equally over that author's countries (after the country policy); " +
    'authors with no country are left out, and for a work whose author list OpenAlex truncates at 100, only the listed ' +
    'authors share it. Collaboration counts the papers with authors in both countries of a pair. A work read twice counts once.' +
    (types.length === 0 ? '' : ` Only OpenAlex works of type ${types.join(', ')} are counted.`) +
    (mergeVersions
      ? ' A preprint and another version of one paper (the same title, within two years) count once: in the year of the earlier, for every country either has, with fractional weights averaged over the versions that have a country.'
      : '')
  );
}

/** A share's denominator when it is OpenAlex's own count of the world's medical-AI papers. */
const API_WORLD_DENOMINATOR = {
  label: "Share of world medical-AI papers (OpenAlex's search)",
  short: 'Share of world (OpenAlex search)',
  description: "the world's medical-AI papers as OpenAlex's own search for the keyword prefilter counts them (baselines.csv, WORLD medical_ai; not the local rule)",
};

/** WORLD medical_ai per year from the baselines, when every year of the window has it. */
function worldMedicalAi(rows: readonly BaselineRow[], from: number, to: number): { year: number; papers: number }[] | null {
  const out: { year: number; papers: number }[] = [];
  for (let y = from; y <= to; y++) {
    const n = rows.find((r) => r.year === y && r.country === 'WORLD')?.medical_ai;
    if (n === null || n === undefined) return null;
    out.push({ year: y, papers: n });
  }
  return out;
}

/** baselines.csv: one row per year, WORLD first, then the countries in --countries order. */
export function baselinesCsv(rows: readonly BaselineRow[]): string {
  return toCsv(
    ['year', 'country', 'all_works', 'ai', 'medical', 'medical_ai', 'source'],
    rows.map((r) => [r.year, r.country, r.all_works, r.ai, r.medical, r.medical_ai, r.source]),
  );
}

/** One rule's hand-review precision as the report states it. */
function precisionText(label: string, p: RulePrecision): string {
  const r = p.review;
  const unreviewed = p.unreviewed > 0 ? `; ${p.unreviewed} of its ${p.counted} papers are not in the review` : '';
  if (r.precision === null) return `${label}: none of its ${p.counted} papers is judged yes or no in the review`;
  const ci = r.ci === null ? '' : `, 95% CI ${r.ci.low.toFixed(3)}–${r.ci.high.toFixed(3)}`;
  const unsure = r.unsure > 0 ? `, ${r.unsure} unsure` : '';
  return `${label}: precision ${r.precision.toFixed(3)} (${r.yes} of ${r.yes + r.no} judged medical AI${ci}${unsure})${unreviewed}`;
}

/**
 * The rule-sensitivity statement (--compare-keywords): both rules, what each asks of a paper, and
 * each one's precision from the hand review over the papers it counts.
 */
export function compareText(rule: ClassifierRecord['rule'], compare: CompareRecord['rule'], review: { file: string; rule: RulePrecision; compare: RulePrecision }): string {
  const asks = (r: ClassifierRecord['rule']): string => {
    const groups = r?.require ?? ['medical', 'ai'];
    return (['medical', 'ai'] as const).filter((g) => groups.includes(g)).map((g) => evidence(g, r)).join(' and ');
  };
  const ruleLabel = rule === undefined ? 'data/keywords/' : keywordsLabel(rule.dir);
  const compareLabel = keywordsLabel(compare.dir);
  const file = relative(PROJECT_ROOT, review.file).startsWith('..') ? review.file : relative(PROJECT_ROOT, review.file);
  return (
    `Rule sensitivity: the thick lines count with the keyword rule in ${ruleLabel} (${asks(rule)}); ` +
    `the thin dashed lines count the same works, years, countries and types with the rule in ${compareLabel} (${asks(compare)}), ` +
    `papers_compare in counts.csv. Hand review (${file}) of the papers each counts for the selected countries: ` +
    `${precisionText(ruleLabel, review.rule)}; ${precisionText(compareLabel, review.compare)}.`
  );
}

/** The short name of a rule on the chart: its folder's name ("keywords", "keywords-strict"). */
function ruleShortLabel(dir: string | undefined): string {
  return dir === undefined ? 'keywords' : basename(dir);
}

export interface ReportRun {
  manifest: Manifest;
  summary: string;
  files: string[];
  /** The zero-filled counts the report shows (counts.csv's rows), for the run history's diff. */
  counts: ReportModel['counts'];
  /** The report's last year not marked incomplete: the run history flags changes only up to it. */
  lastComplete: number;
}

/**
 * Writes every artefact into `options.writeTo` (the staging folder an OutputFolder swaps in as
 * --out), or straight into `options.outDir` without one; messages and the paths returned name
 * `outDir`, where the files are once swapped in.
 */
export async function produceReport(
  store: Store,
  scope: Scope,
  options: ReportOptions & { writeTo?: string; compare?: CompareRecord; listWorks?: WorksListing },
  effects: Effects = quietEffects,
): Promise<ReportRun> {
  // Started first, so vega loads on the drawing's own thread while the queries run on this one.
  const drawer = new ChartDrawer();
  try {
    // The drawing thread takes a core, DuckDB the others: on 2 cores at the 5M-work bench, DuckDB
    // with both spent 4.3-5.2 s of CPU against 3.5-3.9 s with one, for no shorter a report.
    const threads = Math.max(1, Number(await store.setting('threads')) - 1);
    return await store.withSettings({ threads: String(threads) }, () => reportWith(drawer, store, scope, options, effects));
  } finally {
    await drawer.close();
  }
}

async function reportWith(
  drawer: ChartDrawer,
  store: Store,
  scope: Scope,
  options: Parameters<typeof produceReport>[2],
  effects: Effects,
): Promise<ReportRun> {
  // What the counts cover (checked by requireCovered) and what a share of them divides by.
  const coverage = await coverageOf(store);
  // The second rule's chain first: aggregate's chain is the one works.csv and the baselines then read.
  const compared = options.compare === undefined ? null : await compareAggregate(store, scope);
  const { counts: ruleCounts, worldTotals: localWorld, collaboration, chain } = await aggregate(store, scope, 'rule', options.listWorks);
  const baselines = await baselinesOf(store, chain, coverage, ruleCounts);
  const perThousandRefusal = 'missing' in baselines ? `--metric per-1000 divides by all works of each country, but ${baselines.missing}` : undefined;
  if (perThousandRefusal !== undefined && options.metric === 'per-1000') throw new UserError(perThousandRefusal);
  // With API baselines whose WORLD row has OpenAlex's own medical-AI count, a share has a true
  // denominator (OpenAlex's search, not the local rule) instead of being refused.
  const apiWorld = 'rows' in baselines && coverage?.kind === 'api' ? worldMedicalAi(baselines.rows, scope.from, scope.to) : null;
  const { refusal, ...denominator } = apiWorld === null ? shareDenominator(coverage) : { ...API_WORLD_DENOMINATOR, refusal: undefined };
  if (refusal !== undefined && options.metric === 'share') throw new UserError(refusal);
  const worldTotals = apiWorld ?? localWorld;
  const classifier = await store.getMeta<ClassifierRecord>('classifier');
  const counts = compared === null ? ruleCounts : withCompare(ruleCounts, compared);
  let comparison: RuleComparison | undefined;
  if (options.compare !== undefined && compared !== null) {
    const review = await reviewPrecisions(await countedWorkIds(chain), compared.workIds);
    comparison = {
      ruleLabel: ruleShortLabel(classifier?.rule?.dir),
      compareLabel: ruleShortLabel(options.compare.rule.dir),
      text: compareText(classifier?.rule, options.compare.rule, review),
    };
  }
  const dir = options.writeTo ?? options.outDir;
  await mkdir(dir, { recursive: true });
  const totals = await scopeTotals(chain);
  const o = resolveOptions(options);
  // The manifest's queries before the files' writes, which hold the connection for about 0.7 s at
  // 5M works read: the model, and so the drawing, wait for the manifest.
  const manifest = await buildManifest(store, { scope, metric: o.metric, version: TOOL_VERSION, now: effects.now(), totals, coverage });
  if (options.compare !== undefined) manifest.compareKeywords = { dir: options.compare.rule.dir, files: options.compare.keywordFiles };
  const dataWarning = chartWarning(manifest.completeness);
  // One model of the numbers; the charts, pages, CSVs and summary.md are all renderings of it.
  const model = buildReportModel(
    {
      counts,
      collaboration,
      // No totals where a share is refused, so report.html does not offer one either.
      worldTotals: refusal === undefined ? worldTotals : [],
      from: scope.from,
      to: scope.to,
      countries: [...scope.countries],
      dataDate: manifest.source?.dataDate ?? 'unknown',
      sourceLabel: manifest.source?.kind === 'api' ? 'OpenAlex API' : 'OpenAlex snapshot files',
      countryPolicy: policyText(manifest.parameters.countryPolicy),
      method: `${methodText(classifier?.rule, scope.types, scope.mergeVersions)} ${'rows' in baselines ? baselines.note : `No baselines: ${baselines.missing}.`}`,
      ...('rows' in baselines
        ? { allWorks: baselines.rows.filter((r) => r.country !== 'WORLD') }
        : { perThousandRefusal }),
      manifest,
      ...(dataWarning === undefined ? {} : { dataWarning }),
      // world_totals.sql counts the medical-AI papers in the local data; the coverage says of what.
      denominator,
      ...(comparison === undefined ? {} : { compare: comparison }),
    },
    o,
  );
  // DuckDB writes the works and rejects files while the drawer draws the charts and pages and
  // writes them. Both are waited for whatever happens, and a failure is thrown once both are done
  // (the drawing's first).
  const [written, drawn] = await Promise.allSettled([writeWorks(chain, dir, totals).then(() => writeRejects(store, dir)), drawer.draw(model, o, dir)]);
  if (drawn.status === 'rejected') throw drawn.reason;
  if (written.status === 'rejected') throw written.reason;
  const files = drawn.value;
  if ('rows' in baselines) {
    await writeFile(join(dir, 'baselines.csv'), baselinesCsv(baselines.rows));
    files.push(join(dir, 'baselines.csv'));
  }
  const summary = summaryMarkdown(manifest, model);
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(dir, 'summary.md'), summary);
  const pairsFile = totals.versionPairCount > VERSION_PAIRS_LISTED ? [VERSION_PAIRS_FILE] : [];
  const all = [...files.map((f) => basename(f)), 'works.csv', 'works.parquet', ...pairsFile, 'rejects.jsonl', 'manifest.json', 'summary.md'].map((f) => join(options.outDir, f));
  effects.log(`wrote ${all.length} files to ${options.outDir}`);
  return { manifest, summary, files: all, counts: model.counts, lastComplete: model.lastComplete };
}

/**
 * figure2.pdf and report.pdf, printed from the pages produceReport wrote into `dir` (the staging
 * folder, so the PDFs are swapped in with the rest of the run). A separate step the caller runs
 * last, after the summary is out, so a missing Chromium loses nothing of the run; messages name
 * `shownAs`, the --out the user knows.
 */
export async function printReportPdfs(dir: string, shownAs: string = dir, effects: Effects = quietEffects, settings?: PdfSettings): Promise<string[]> {
  const pdfs = await printPdfs(dir, shownAs, settings);
  effects.log(`printed ${pdfs.map((p) => basename(p)).join(' and ')} with headless Chromium`);
  return pdfs.map((p) => join(shownAs, basename(p)));
}
