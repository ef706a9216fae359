/**
 * The run's own artefacts beside the charts: works.csv and works.parquet (the medical-AI works in
 * scope, or with --list-works all every one, with the terms that matched), rejects.jsonl (every record set aside, with its reason), manifest.json
 * (what produced the numbers) and summary.md.
 */
import { join } from 'node:path';
import { COUNTRY_POLICIES, describePolicy, type CountryPolicy } from '../classify/countries.js';
import { collaborationMarkdown, fractionalMarkdown, markdownTable } from '../report/tables.js';
import type { ReportModel } from '../report/model.js';
import { queryHashes } from '../store/queries.js';
import type { Store } from '../store/store.js';
import { readChain, type ScopeChain, type WorksListing } from './chain.js';
import type { Scope } from './scope.js';
import type { ClassifierRecord } from './classify.js';
import { completenessOf, incompleteNote, type Completeness } from './completeness.js';
import type { Coverage } from './coverage.js';

import type { Source } from './provenance.js';

export interface ScopeTotals {
  /** The works in scope with a selected country, tagged or not, and the medical-AI ones among them. */
  works: number;
  medicalAi: number;
  /** What works.csv and works.parquet list (the chain's listing), and how many rows. */
  listing: WorksListing;
  listed: number;
  /**
   * Medical-AI works in scope by OpenAlex `type` (article, review, preprint, book-chapter, ...),
   * most first: every type is counted, so the reader sees what a "paper" was here.
   */
  medicalAiByType: { type: string; works: number }[];
  /** The first VERSION_PAIRS_LISTED pairs of medical-AI works in scope that look like versions of one paper (version_pairs_table.sql). */
  versionPairs: VersionPair[];
  /** All such pairs. */
  versionPairCount: number;
  /** Cells of works.csv from which control characters were dropped (see report/csv.ts). */
  csvCellsCleaned: number;
}

/**
 * Version pairs named in the summary and manifest; beyond it they are counted there and listed in
 * VERSION_PAIRS_FILE. They grow with the works in scope: the 5M bench (records resampled, so titles
 * repeat) has 2,197, and naming them all made the summary line megabytes long.
 */
export const VERSION_PAIRS_LISTED = 20;
export const VERSION_PAIRS_FILE = 'version-pairs.csv';

/** Two works that look like versions of one paper; `later` is the one --merge-versions leaves out. */
export interface VersionPair {
  keptId: string;
  keptYear: number;
  keptType: string | null;
  laterId: string;
  laterYear: number;
  laterType: string | null;
}

/**
 * What the works in scope add up to, for the manifest and summary.md: how many, how many listed,
 * the medical-AI works by type, the first version pairs. Queries only: the files are writeWorks().
 */
export async function scopeTotals(chain: ScopeChain): Promise<ScopeTotals> {
  const [totals] = await readChain<{ works: number | bigint; medical_ai: number | bigint; listed: number | bigint; cells_cleaned: number | bigint }>(chain, 'works_scope_totals');
  const byType = await readChain<{ type: string; works: number | bigint }>(chain, 'medical_ai_by_type');
  const pairs = await readChain<{ kept_id: string; kept_year: number; kept_type: string | null; later_id: string; later_year: number; later_type: string | null; pairs: number | bigint }>(
    chain,
    'version_pairs',
    { limit: VERSION_PAIRS_LISTED },
  );
  return {
    works: Number(totals?.works ?? 0),
    medicalAi: Number(totals?.medical_ai ?? 0),
    listing: chain.listing,
    listed: Number(totals?.listed ?? 0),
    medicalAiByType: byType.map((r) => ({ type: r.type, works: Number(r.works) })),
    versionPairs: pairs.map((r) => ({ keptId: r.kept_id, keptYear: r.kept_year, keptType: r.kept_type, laterId: r.later_id, laterYear: r.later_year, laterType: r.later_type })),
    versionPairCount: Number(pairs[0]?.pairs ?? 0),
    csvCellsCleaned: Number(totals?.cells_cleaned ?? 0),
  };
}

/**
 * Writes works.csv and works.parquet: the works in scope the chain lists (its WorksListing), with
 * their matched terms; and version-pairs.csv when there are more pairs than the summary names
 * (`totals`, from scopeTotals()). DuckDB writes the files (COPY): the works in scope grow with the
 * data (820k at 5M works read), and passing them through JavaScript took most of a minute and
 * 4.9 GB there. They read the scope chain the counts were made from (aggregate() returns it).
 */
export async function writeWorks(chain: ScopeChain, outDir: string, totals: Pick<ScopeTotals, 'versionPairCount'>): Promise<void> {
  await readChain(chain, 'works_csv', { path: join(outDir, 'works.csv') });
  // Parquet keeps the lists and booleans typed, for analysts who load the works into a notebook.
  await readChain(chain, 'works_export_parquet', { path: join(outDir, 'works.parquet') });
  // More than the summary and manifest list: all of them in a file of their own.
  if (totals.versionPairCount > VERSION_PAIRS_LISTED) await readChain(chain, 'version_pairs_csv', { path: join(outDir, VERSION_PAIRS_FILE) });
}

/** Writes rejects.jsonl (queries/rejects_jsonl.sql): every record set aside or repaired. */
export async function writeRejects(store: Store, outDir: string): Promise<void> {
  await store.run('rejects_jsonl', { path: join(outDir, 'rejects.jsonl') });
}

export interface Manifest {
  tool: { name: string; version: string };
  generatedAt: string;
  /** `types`: the OpenAlex work types counted; empty means every type. */
  /** `listWorks`: what works.csv and works.parquet list (--list-works). */
  parameters: { from: number; to: number; countries: string[]; types: string[]; mergeVersions: boolean; countryPolicy: string; metric: string; listWorks: WorksListing };
  source: (Source & { dataDate: string }) | null;
  /** Whether the fetch that filled the store finished; "incomplete" with why and how to finish it. */
  completeness: Completeness;
  /** What the fetches covered, as the run's Scope was checked against (coverage.ts); null: not recorded (an older version). */
  coverage: Coverage | null;
  keywords: { path: string; sha256: string }[];
  /** The second rule counted beside the rule (--compare-keywords): its folder and files' hashes. */
  compareKeywords?: { dir: string; files: { path: string; sha256: string }[] };
  queries: Record<string, string>;
  counts: {
    recordsRead: number;
    rejected: number;
    repaired: number;
    /** Works a --refresh found OpenAlex no longer returns (deleted or merged away). */
    retired: number;
    rejectReasons: { kind: string; reason: string; records: number }[];
    duplicateReads: number;
    distinctWorks: number;
    classified: number;
    medical: number;
    ai: number;
    medicalAi: number;
    worksInScope: number;
    medicalAiInScope: number;
    /** The rows of works.csv and works.parquet (parameters.listWorks says which works). */
    worksListed: number;
    medicalAiInScopeByType: { type: string; works: number }[];
    /**
     * Pairs of medical-AI works in the window that look like versions of one paper (same title,
     * one a preprint, within two years), which OpenAlex keeps apart. Both are counted unless
     * `parameters.mergeVersions`, which counts the later through the earlier.
     */
    possibleVersionPairs: VersionPair[];
    /** All such pairs; above VERSION_PAIRS_LISTED only the first are listed, and VERSION_PAIRS_FILE has them all. */
    possibleVersionPairCount: number;
    /**
     * Cells of works.csv from which control characters other than tab and newline were dropped
     * (a NUL in a title); the database and works.parquet keep the text as read.
     */
    worksCsvCellsCleaned: number;
  };
}

/** The date the data stands for: a snapshot's newest `updated_date`, or the day of the fetch. */
function dataDateOf(source: Source | null, newestUpdated: string | null): string {
  if (source?.kind === 'api') return source.fetchedAt.slice(0, 10);
  return (newestUpdated ?? 'unknown').slice(0, 10);
}

export async function buildManifest(
  store: Store,
  args: { scope: Scope; metric: string; version: string; now: Date; totals: ScopeTotals; coverage: Coverage | null },
): Promise<Manifest> {
  const source = await store.getMeta<Source>('source');
  const classifier = await store.getMeta<ClassifierRecord>('classifier');
  const counters = await store.counters();
  const reasons = await store.query<{ kind: string; reason: string; records: number }>('rejects_by_reason');
  const [t] = await store.query<{
    distinct_works: number;
    newest_updated_date: string | null;
    classified: number;
    medical: number;
    ai: number;
    medical_ai: number;
  }>('dataset_totals');
  const sum = (kind: string): number => reasons.filter((r) => r.kind === kind).reduce((a, r) => a + r.records, 0);
  return {
    tool: { name: 'medai-trends', version: args.version },
    generatedAt: args.now.toISOString(),
    parameters: {
      from: args.scope.from,
      to: args.scope.to,
      countries: [...args.scope.countries],
      types: [...args.scope.types],
      mergeVersions: args.scope.mergeVersions,
      countryPolicy: classifier?.countryPolicy ?? 'unknown',
      metric: args.metric,
      listWorks: args.totals.listing,
    },
    source: source === null ? null : { ...source, dataDate: dataDateOf(source, t?.newest_updated_date ?? null) },
    completeness: await completenessOf(store),
    coverage: args.coverage,
    keywords: classifier?.keywordFiles ?? [],
    queries: queryHashes(),
    counts: {
      recordsRead: counters.records_read ?? 0,
      rejected: sum('rejected'),
      repaired: sum('repaired'),
      retired: sum('retired'),
      rejectReasons: reasons,
      duplicateReads: counters.duplicates ?? 0,
      distinctWorks: t?.distinct_works ?? 0,
      classified: t?.classified ?? 0,
      medical: t?.medical ?? 0,
      ai: t?.ai ?? 0,
      medicalAi: t?.medical_ai ?? 0,
      worksInScope: args.totals.works,
      medicalAiInScope: args.totals.medicalAi,
      worksListed: args.totals.listed,
      medicalAiInScopeByType: args.totals.medicalAiByType,
      possibleVersionPairs: args.totals.versionPairs,
      possibleVersionPairCount: args.totals.versionPairCount,
      worksCsvCellsCleaned: args.totals.csvCellsCleaned,
    },
  };
}

/** The policy as a sentence when it is one of ours, else as recorded. */
export function policyText(policy: string): string {
  return (COUNTRY_POLICIES as readonly string[]).includes(policy) ? describePolicy(policy as CountryPolicy) : policy;
}

/** summary.md: the run in a few lines, with the report model's year x country table. */
export function summaryMarkdown(manifest: Manifest, model: ReportModel): string {
  const c = manifest.counts;
  const lines = [
    `# medai-trends summary`,
    '',
    `Medical-AI papers by year, full counting by author affiliation (${policyText(manifest.parameters.countryPolicy)}).`,
    `OpenAlex work types counted: ${manifest.parameters.types.length === 0 ? 'every type' : manifest.parameters.types.join(', ')}.`,
    `Source: ${manifest.source?.kind === 'api' ? 'OpenAlex API' : 'OpenAlex snapshot files'}, data date ${manifest.source?.dataDate ?? 'unknown'}.`,
    ...(manifest.completeness.state === 'complete' ? [] : ['', `**${incompleteNote(manifest.completeness)}**`]),
    '',
    ...markdownTable(model),
    ...(model.compare === undefined ? [] : ['', model.compare.text]),
    '',
    ...fractionalMarkdown(model),
    '',
    ...collaborationMarkdown(model),
    `Records read: ${c.recordsRead}; rejected: ${c.rejected}; repaired: ${c.repaired}; duplicate reads: ${c.duplicateReads}${c.retired > 0 ? `; no longer in OpenAlex: ${c.retired}` : ''}.`,
    `Distinct works: ${c.distinctWorks}; classified: ${c.classified}; medical AI: ${c.medicalAi} (in scope: ${c.medicalAiInScope} of ${c.worksInScope}).`,
    `works.csv and works.parquet list ${c.worksListed} work(s): ${manifest.parameters.listWorks === 'all' ? 'every work in scope with a selected country, tagged or not' : 'the medical-AI works in scope with a selected country (--list-works all lists every work in scope)'}.`,
    ...(c.medicalAiInScopeByType.length > 0 ? [`Medical AI in scope by OpenAlex type: ${c.medicalAiInScopeByType.map((t) => `${t.type} ${t.works}`).join(', ')}.`] : []),
    ...(c.possibleVersionPairs.length > 0
      ? [
          `${manifest.parameters.mergeVersions ? 'Counted once (--merge-versions), as the earlier' : 'Possibly counted twice (--merge-versions counts them once)'}: ${c.possibleVersionPairCount} pair(s) of medical-AI works with the same title within two years, one a preprint: ${c.possibleVersionPairs
            .map((v) => `${v.keptId} (${v.keptType ?? 'no type'}, ${v.keptYear}) / ${v.laterId} (${v.laterType ?? 'no type'}, ${v.laterYear})`)
            .join('; ')}${c.possibleVersionPairCount > c.possibleVersionPairs.length ? `; and ${c.possibleVersionPairCount - c.possibleVersionPairs.length} more (all in ${VERSION_PAIRS_FILE})` : ''}.`,
        ]
      : []),
    ...(c.worksCsvCellsCleaned > 0 ? [`works.csv: control characters dropped from ${c.worksCsvCellsCleaned} cell(s); works.parquet keeps the text as read.`] : []),
    ...(c.rejectReasons.length > 0 ? ['', 'Set aside:', ...c.rejectReasons.map((r) => `- ${r.kind}: ${r.reason} (${r.records})`)] : []),
    '',
  ];
  return lines.join('\n');
}
