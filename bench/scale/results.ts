/**
 * What one size measured, as stored in the results file (JSON, one entry per size, so the README
 * table can be printed again with `--print`), and its markdown: the table and issue 10's targets.
 */
import { readFile, writeFile } from 'node:fs/promises';

export type Group = 'floor' | 'jsonl' | 'parquet';

export interface Row {
  group: Group;
  /** 'gzip -dc', 'read_json', 'read_parquet', or a stage name, 'end-to-end', 'total'. */
  stage: string;
  seconds: number | null;
  peakRssBytes: number | null;
  dbBytes: number | null;
  /** Why the row has no time: the stage failed (its stderr's last lines) or was skipped. */
  error?: string;
}

export interface SizeResult {
  size: string;
  works: number;
  date: string;
  commit: string;
  cores: number;
  read: string;
  rssSource: 'GNU time %M' | '/proc VmHWM polled';
  files: { jsonl: { parts: number; bytes: number }; parquet: { parts: number; bytes: number } };
  generateSeconds: { jsonl: number; parquet: number };
  rows: Row[];
}

export type Results = Record<string, SizeResult>;

/** End-to-end is what issue 10's throughput target is about: the snapshot read to the counts. */
export const END_TO_END = ['fetch', 'classify', 'aggregate'];

/** Targets from issue 10. */
export const TARGET = {
  /** End-to-end works/s at least this share of the read_json floor's. */
  vsReadJson: 0.5,
  /** Parquet end-to-end at least this many times JSON Lines'. */
  parquetVsJsonl: 3,
  rssBytes: 500 * 1024 * 1024,
  /** "Flat" from 1M to 5M: the 5M peak at most this much above the 1M peak (timing noise aside, RSS is steady). */
  rssGrowth: 1.1,
  dbBytesPerWork: 300,
  reportSeconds: 3,
  /** The report target is stated for this size. */
  reportAt: '5M',
} as const;

export async function readResults(path: string): Promise<Results> {
  const text = await readFile(path, 'utf8').catch(() => null);
  return text === null ? {} : (JSON.parse(text) as Results);
}

/** Stores one size, keeping the other sizes of earlier runs (each carries its own date and commit). */
export async function saveResult(path: string, result: SizeResult): Promise<void> {
  const all = await readResults(path);
  all[result.size] = result;
  const ordered = Object.fromEntries(Object.entries(all).sort(([, a], [, b]) => a.works - b.works));
  await writeFile(path, `${JSON.stringify(ordered, null, 2)}\n`);
}

const find = (r: SizeResult, group: Group, stage: string): Row | undefined => r.rows.find((x) => x.group === group && x.stage === stage);
const rate = (r: SizeResult, row: Row | undefined): number | null => (row?.seconds == null || row.seconds <= 0 ? null : r.works / row.seconds);

const LABEL: Record<Group, string> = { floor: 'floor', jsonl: 'JSON Lines', parquet: 'Parquet' };
const STAGE_LABEL: Record<string, string> = {
  'gzip -dc': 'gzip -dc > /dev/null (JSON Lines)',
  read_json: 'DuckDB read_json count (JSON Lines)',
  read_parquet: 'DuckDB read_parquet count (Parquet)',
  'end-to-end': 'end-to-end (fetch+classify+aggregate)',
  total: 'total (with report)',
};

/** The line of a failure that says why: the CLI's own `medai-trends: …` message, else the last line. */
function errorLine(error: string | undefined): string {
  const lines = (error ?? 'not run').split('\n').filter((l) => l.trim() !== '');
  const why = [...lines].reverse().find((l) => /^(?:exit \d+: )?medai-trends: /.test(l)) ?? lines.at(-1) ?? 'not run';
  return why.replace(/^(?:exit \d+: )?medai-trends: /, '').replaceAll('|', '\\|').slice(0, 160);
}

function fmt(n: number | null, digits = 1): string {
  if (n === null || !Number.isFinite(n)) return '—';
  return n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits);
}

/** The markdown table of one size. */
export function sizeTable(r: SizeResult): string {
  const floors = { gzip: rate(r, find(r, 'floor', 'gzip -dc')), json: rate(r, find(r, 'floor', 'read_json')), parquet: rate(r, find(r, 'floor', 'read_parquet')) };
  const ratio = (w: number | null, floor: number | null): string => (w === null || floor === null ? '—' : `${w / floor >= 10 ? (w / floor).toFixed(0) : (w / floor).toFixed(2)}`);
  const lines = [
    `### ${r.size} works (${r.works.toLocaleString('en-US')}; ${r.cores} cores; fetch --read ${r.read}; ${r.date.slice(0, 10)}, ${r.commit})`,
    '',
    '| format | stage | seconds | works/s | peak RSS MB | DB B/work | × gzip floor | × read_json floor | × read_parquet floor |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const row of r.rows) {
    const w = rate(r, row);
    const label = STAGE_LABEL[row.stage] ?? row.stage;
    const cells =
      row.seconds === null
        ? [errorLine(row.error), '—', fmt(row.peakRssBytes === null ? null : row.peakRssBytes / 2 ** 20, 0), '—', '—', '—', '—']
        : [
            fmt(row.seconds, 2),
            fmt(w, 0),
            fmt(row.peakRssBytes === null ? null : row.peakRssBytes / 2 ** 20, 0),
            fmt(row.dbBytes === null ? null : row.dbBytes / r.works, 0),
            ratio(w, floors.gzip),
            ratio(w, floors.json),
            ratio(w, floors.parquet),
          ];
    lines.push(`| ${LABEL[row.group]} | ${label} | ${cells.join(' | ')} |`);
  }
  const mb = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MB`;
  lines.push(
    '',
    `Files: JSON Lines ${r.files.jsonl.parts} parts, ${mb(r.files.jsonl.bytes)} (generated in ${r.generateSeconds.jsonl.toFixed(0)} s); ` +
      `Parquet ${r.files.parquet.parts} parts, ${mb(r.files.parquet.bytes)} (${r.generateSeconds.parquet.toFixed(0)} s). Peak RSS: ${r.rssSource}.`,
  );
  return lines.join('\n');
}

interface Verdict {
  target: string;
  met: boolean | null;
  detail: string;
}

/** Issue 10's targets as far as one size can say. */
export function sizeTargets(r: SizeResult): Verdict[] {
  const e2e = { jsonl: find(r, 'jsonl', 'end-to-end'), parquet: find(r, 'parquet', 'end-to-end') };
  const w = { jsonl: rate(r, e2e.jsonl), parquet: rate(r, e2e.parquet), floor: rate(r, find(r, 'floor', 'read_json')) };
  const stages = r.rows.filter((x) => x.group !== 'floor' && !['end-to-end', 'total'].includes(x.stage));
  const failed = stages.filter((x) => x.seconds === null);
  const rss = stages.map((x) => x.peakRssBytes).filter((b): b is number => b !== null);
  const db = [e2e.jsonl, e2e.parquet].map((x) => (x?.seconds == null ? null : x.dbBytes)).filter((b): b is number => b !== null);
  const reports = [find(r, 'jsonl', 'report'), find(r, 'parquet', 'report')].map((x) => x?.seconds ?? null);
  const ok = (v: number | null, test: (v: number) => boolean): boolean | null => (v === null ? null : test(v));
  const verdicts: Verdict[] = [
    {
      target: `end-to-end >= ${TARGET.vsReadJson * 100}% of the read_json floor's works/s (JSON Lines)`,
      met: ok(w.jsonl !== null && w.floor !== null ? w.jsonl / w.floor : null, (x) => x >= TARGET.vsReadJson),
      detail: w.jsonl !== null && w.floor !== null ? `${((w.jsonl / w.floor) * 100).toFixed(0)}% (${fmt(w.jsonl, 0)} vs ${fmt(w.floor, 0)} works/s)` : 'not measured',
    },
    {
      target: `Parquet end-to-end >= ${TARGET.parquetVsJsonl}x JSON Lines'`,
      met: ok(w.parquet !== null && w.jsonl !== null ? w.parquet / w.jsonl : null, (x) => x >= TARGET.parquetVsJsonl),
      detail: w.parquet !== null && w.jsonl !== null ? `${(w.parquet / w.jsonl).toFixed(2)}x` : 'not measured',
    },
    {
      target: `peak RSS < ${TARGET.rssBytes / 2 ** 20} MB (every stage, both formats)`,
      met: rss.length === 0 ? null : Math.max(...rss) < TARGET.rssBytes,
      detail: rss.length === 0 ? 'not measured' : `max ${fmt(Math.max(...rss) / 2 ** 20, 0)} MB`,
    },
    {
      target: `DB < ${TARGET.dbBytesPerWork} B/work (after aggregate, both formats)`,
      met: db.length === 0 ? null : Math.max(...db) / r.works < TARGET.dbBytesPerWork,
      detail: db.length === 0 ? 'not measured' : `max ${fmt(Math.max(...db) / r.works, 0)} B/work`,
    },
  ];
  const report = reports.every((s) => s !== null) ? Math.max(...(reports as number[])) : null;
  verdicts.push({
    target: `report < ${TARGET.reportSeconds} s at ${TARGET.reportAt}`,
    met: r.size === TARGET.reportAt ? ok(report, (s) => s < TARGET.reportSeconds) : null,
    detail: `${report === null ? 'not measured' : `${report.toFixed(2)} s`}${r.size === TARGET.reportAt ? '' : ` (the target is for ${TARGET.reportAt})`}`,
  });
  if (failed.length > 0) verdicts.push({ target: 'every stage ran', met: false, detail: failed.map((x) => `${LABEL[x.group]} ${x.stage}`).join(', ') });
  return verdicts;
}

/** The target that spans sizes: peak RSS flat from 1M to 5M. */
export function crossSizeTargets(all: Results): Verdict[] {
  const peak = (r: SizeResult | undefined): number | null => {
    const rss = r?.rows.filter((x) => x.group !== 'floor').map((x) => x.peakRssBytes).filter((b): b is number => b !== null) ?? [];
    return rss.length === 0 ? null : Math.max(...rss);
  };
  const [a, b] = [peak(all['1M']), peak(all['5M'])];
  return [
    {
      target: `peak RSS flat from 1M to 5M (5M at most ${Math.round((TARGET.rssGrowth - 1) * 100)}% above 1M)`,
      met: a === null || b === null ? null : b <= a * TARGET.rssGrowth,
      detail: a === null || b === null ? 'needs both 1M and 5M in the results' : `${fmt(a / 2 ** 20, 0)} MB -> ${fmt(b / 2 ** 20, 0)} MB`,
    },
  ];
}

export function verdictList(verdicts: readonly Verdict[]): string {
  return verdicts.map((v) => `- ${v.met === null ? 'n/a' : v.met ? 'met' : 'NOT MET'}: ${v.target} — ${v.detail}`).join('\n');
}

/** Every size in the results, then the cross-size target: what `--print` shows. */
export function allMarkdown(all: Results): string {
  const sizes = Object.values(all).sort((a, b) => a.works - b.works);
  return [...sizes.map((r) => `${sizeTable(r)}\n\nTargets:\n${verdictList(sizeTargets(r))}`), `Across sizes:\n${verdictList(crossSizeTargets(all))}`].join('\n\n');
}
