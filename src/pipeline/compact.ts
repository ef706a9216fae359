/**
 * A compact store: one the duckdb reader filled (src/pipeline/ingest-duckdb.ts), which keeps per
 * work its fields, countries and the rule's verdict, but no abstract, authorships or MeSH. What
 * needs them is done here another way (classify with another rule: the snapshot is read again) or
 * refused with the command that works (evaluate, review-sample, --compare-keywords).
 */
import type { CountryPolicy } from '../classify/countries.js';
import type { KeywordRules } from '../classify/keywords.js';
import { ExitCode, UserError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Effects } from '../effects/effects.js';
import type { ClassifierRecord } from './classify.js';
import { commandLine } from './completeness.js';
import type { SnapshotSource, Source } from './provenance.js';

/** The store's snapshot source when the duckdb reader filled it; null otherwise. */
export async function compactSource(store: Store): Promise<SnapshotSource | null> {
  const source = await store.getMeta<Source>('source');
  return source?.kind === 'snapshot' && source.read === 'duckdb' ? source : null;
}

/** The snapshot folders the store was read from, as a command line's words. */
function snapshotWords(source: SnapshotSource): string[] {
  return source.roots ?? source.files.map((f) => f.path);
}

/**
 * Refuses a command that needs the works' full records (abstracts, MeSH) on a compact store, naming
 * how to run it from the snapshot files instead (exit 2).
 */
export async function requireFullRecords(store: Store, command: string, what: string): Promise<void> {
  const source = await compactSource(store);
  if (source === null) return;
  throw new UserError(
    `${command} needs ${what}, which ${store.path} does not keep: it was read with --read duckdb (no abstracts, authorships or MeSH).\n` +
      `Read the works from the snapshot files instead: \`${commandLine([command, '--snapshot', ...snapshotWords(source)])}\`, ` +
      `or fill the database with full records: \`${commandLine(['fetch', '--db', store.path, '--snapshot', ...snapshotWords(source), '--read', 'node'])}\`.`,
    ExitCode.usage,
  );
}

/** Whether the classification stored was made with this rule's files and this country policy. */
export function sameClassifier(record: ClassifierRecord | null, rules: KeywordRules, policy: CountryPolicy): boolean {
  if (record === null || record.countryPolicy !== policy) return false;
  const key = (fs: readonly { path: string; sha256: string }[]) => fs.map((f) => f.sha256).sort().join(' ');
  return key(record.keywordFiles) === key(rules.files);
}

/**
 * The classify stage on a compact store: the duckdb reader classified as it read, so with the same
 * rule and policy there is nothing to do; with another, the snapshot is read again (the store keeps
 * no abstracts to classify). A second rule (--compare-keywords) needs the abstracts: refused.
 */
export async function classifyCompact(
  store: Store,
  source: SnapshotSource,
  rules: KeywordRules,
  policy: CountryPolicy,
  compare: KeywordRules | null,
  effects: Effects,
): Promise<void> {
  if (compare !== null) {
    throw new UserError(
      `--compare-keywords classifies the stored works with a second rule, which needs their abstracts; ${store.path} was read with --read duckdb and keeps none.\n` +
        `Read the snapshot with full records: \`${commandLine(['run', '--db', store.path, '--snapshot', ...snapshotWords(source), '--read', 'node', '--compare-keywords', compare.dir])}\`.`,
      ExitCode.usage,
    );
  }
  if (sameClassifier(await store.getMeta<ClassifierRecord>('classifier'), rules, policy)) {
    effects.log('classify: the duckdb reader classified these works as it read them, with this rule and country policy: nothing to redo');
    return;
  }
  const roots = source.roots;
  if (roots === undefined) {
    throw new UserError(`classify: ${store.path} keeps no abstracts (read with --read duckdb) and records no snapshot folders to read again: run \`${commandLine(['fetch', '--db', store.path, '--snapshot', '<folders>', '--read', 'duckdb'])}\` with this rule`, ExitCode.usage);
  }
  effects.log(`classify: ${store.path} keeps no abstracts (read with --read duckdb), so classifying with another rule or country policy reads the snapshot again: ${roots.join(', ')}`);
  const { ingestSnapshotDuckdb } = await import('./ingest-duckdb.js');
  await ingestSnapshotDuckdb(store, roots, rules, policy, effects);
}
