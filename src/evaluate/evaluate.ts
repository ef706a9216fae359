/**
 * Measures the AI half of the keyword rule against MeSH labels on any corpus: counts, precision,
 * recall and F1 with 95% intervals (Robotics counted as AI and not), and samples of the errors
 * with the terms that matched. Pure: works in, a result out; the CLI writes it.
 */
import { classify } from '../classify/classifier.js';
import type { KeywordRules } from '../classify/keywords.js';
import type { Work } from '../model/work.js';
import { meshLabel, type MeshSubtree } from './mesh.js';
import { metrics, type Confusion, type Metrics } from './metrics.js';

export interface ErrorSample {
  id: string;
  year: number;
  title: string | null;
  hasAbstract: boolean;
  matchedTerms: string[];
  /** Subtree headings of the work (empty for a false positive). */
  meshAi: string[];
}

export interface LabelResult {
  /** Which label: with Robotics as AI (the MeSH subtree as is) or without. */
  name: string;
  positives: number;
  metrics: Metrics;
  falsePositives: ErrorSample[];
  falseNegatives: ErrorSample[];
  /** Totals before sampling. */
  fpTotal: number;
  fnTotal: number;
}

export interface Evaluation {
  works: number;
  withAbstract: number;
  /** Works whose abstract was a placeholder or teaser, set aside so only the title was matched. */
  abstractSetAside: number;
  counts: { ai: number; medical: number; medicalAi: number };
  /** Works with MeSH headings: the only ones with a label. */
  labelled: number;
  labelledWithAbstract: number;
  withRobotics: LabelResult;
  withoutRobotics: LabelResult;
  idNameMismatches: string[];
  /** For each id of `track` found in the corpus: whether the rule tags it medical AI. */
  tracked: Map<string, boolean>;
}

export interface EvaluateOptions {
  /** False positives and negatives to list (default 10). */
  samples?: number;
  /** Works whose abstract was set aside (placeholder or teaser), to count them. */
  setAside?: ReadonlySet<string>;
  /** Works whose medical-AI verdict the caller needs, e.g. those of a manual review sheet. */
  track?: ReadonlySet<string>;
}

/** Up to `n` items spread evenly over the id-sorted list, so the sample is the same every run. */
function spread<T extends { id: string }>(items: T[], n: number): T[] {
  const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (sorted.length <= n) return sorted;
  const step = sorted.length / n;
  return Array.from({ length: n }, (_, i) => sorted[Math.floor(i * step)] as T);
}

export async function evaluate(
  works: AsyncIterable<Work> | Iterable<Work>,
  rules: KeywordRules,
  subtree: MeshSubtree,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const { samples = 10, setAside = new Set<string>(), track = new Set<string>() } = options;
  const tracked = new Map<string, boolean>();
  const e = { works: 0, withAbstract: 0, abstractSetAside: 0, labelled: 0, labelledWithAbstract: 0 };
  const counts = { ai: 0, medical: 0, medicalAi: 0 };
  const mismatches = new Set<string>();
  const cells = {
    withRobotics: { c: { tp: 0, fp: 0, fn: 0, tn: 0 } as Confusion, positives: 0, fp: [] as ErrorSample[], fn: [] as ErrorSample[] },
    withoutRobotics: { c: { tp: 0, fp: 0, fn: 0, tn: 0 } as Confusion, positives: 0, fp: [] as ErrorSample[], fn: [] as ErrorSample[] },
  };
  for await (const w of works) {
    e.works++;
    if (w.abstract !== null) e.withAbstract++;
    if (setAside.has(w.id)) e.abstractSetAside++;
    const c = classify(w, rules);
    if (c.isAi) counts.ai++;
    if (c.isMedical) counts.medical++;
    if (c.isMedicalAi) counts.medicalAi++;
    if (track.has(w.id)) tracked.set(w.id, c.isMedicalAi);
    const label = meshLabel(w.mesh, subtree);
    if (label === null) continue;
    e.labelled++;
    if (w.abstract !== null) e.labelledWithAbstract++;
    for (const m of label.idNameMismatches) mismatches.add(`${w.id}: ${m}`);
    const sample: ErrorSample = { id: w.id, year: w.year, title: w.title, hasAbstract: w.abstract !== null, matchedTerms: c.matchedTerms, meshAi: label.headings };
    for (const [cell, positive] of [
      [cells.withRobotics, label.ai],
      [cells.withoutRobotics, label.aiWithoutRobotics],
    ] as const) {
      if (positive) cell.positives++;
      if (positive && c.isAi) cell.c.tp++;
      else if (c.isAi) {
        cell.c.fp++;
        cell.fp.push(sample);
      } else if (positive) {
        cell.c.fn++;
        cell.fn.push(sample);
      } else cell.c.tn++;
    }
  }
  const result = (name: string, cell: typeof cells.withRobotics): LabelResult => ({
    name,
    positives: cell.positives,
    metrics: metrics(cell.c),
    falsePositives: spread(cell.fp, samples),
    falseNegatives: spread(cell.fn, samples),
    fpTotal: cell.fp.length,
    fnTotal: cell.fn.length,
  });
  return {
    ...e,
    counts,
    withRobotics: result('MeSH AI subtree, Robotics counted as AI', cells.withRobotics),
    withoutRobotics: result('MeSH AI subtree without Robotics', cells.withoutRobotics),
    idNameMismatches: [...mismatches].sort(),
    tracked,
  };
}

const pct = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(3));

function interval(ci: { low: number; high: number } | null): string {
  return ci === null ? 'n/a' : `${ci.low.toFixed(3)}-${ci.high.toFixed(3)}`;
}

/** One-line figures, for the terminal. */
export function summaryLines(ev: Evaluation): string[] {
  const line = (r: LabelResult): string => {
    const m = r.metrics;
    const c = m.confusion;
    return `${r.name}: precision ${pct(m.precision.value)} [${interval(m.precision.ci)}] (${c.tp}/${c.tp + c.fp}), recall ${pct(m.recall.value)} [${interval(m.recall.ci)}] (${c.tp}/${c.tp + c.fn}), F1 ${pct(m.f1.value)} [${interval(m.f1.ci)}]`;
  };
  return [
    `${ev.works} works (${ev.withAbstract} with abstract, ${ev.abstractSetAside} set aside as placeholders or teasers); tagged AI ${ev.counts.ai}, medical ${ev.counts.medical}, medical AI ${ev.counts.medicalAi}`,
    `${ev.labelled} works with MeSH headings; AI-positive ${ev.withRobotics.positives} (${ev.withoutRobotics.positives} without Robotics)`,
    line(ev.withRobotics),
    line(ev.withoutRobotics),
  ];
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/[\r\n\u2028\u2029]+/g, ' ');
}

function sampleTable(rows: ErrorSample[]): string[] {
  if (rows.length === 0) return ['(none)'];
  return [
    '| work | year | title | abstract | AI terms matched | MeSH AI headings |',
    '|---|---|---|---|---|---|',
    ...rows.map((s) => {
      const ai = s.matchedTerms.filter((t) => t.startsWith('ai:')).map((t) => t.slice(3));
      return `| ${s.id} | ${s.year} | ${cell((s.title ?? '(no title)').slice(0, 110))} | ${s.hasAbstract ? 'yes' : 'no'} | ${cell(ai.join(', ') || '-')} | ${cell(s.meshAi.join(', ') || '-')} |`;
    }),
  ];
}

export interface EvaluationContext {
  /** What was read, e.g. the snapshot paths or the database file. */
  corpus: string;
  rules: KeywordRules;
  subtree: MeshSubtree;
  /** Shown instead of absolute paths, so the report does not depend on where the repo lives. */
  display: (path: string) => string;
}

/** reports/evaluation.md: deterministic (no clock), so a rerun on the same inputs is byte-identical. */
export function evaluationMarkdown(ev: Evaluation, ctx: EvaluationContext): string {
  const out: string[] = [
    '# Keyword classifier: evaluation of the AI half against MeSH',
    '',
    `Corpus: ${ctx.corpus}. Keyword rule: \`${ctx.display(ctx.rules.dir)}\`. Labels: \`${ctx.display(ctx.subtree.path)}\`.`,
    '',
    'A work is labelled AI-positive when one of its MeSH headings is in the MeSH Artificial Intelligence',
    'subtree (D001185 and descendants, by id or name). Only works with MeSH headings (PubMed-indexed)',
    'have a label; the classifier is scored on those alone. Intervals are 95%: Wilson for precision and',
    'recall, a seeded percentile bootstrap (2,000 resamples) for F1. With few positives the intervals are',
    'wide: read them, not the point estimates.',
    '',
    '## Counts',
    '',
    `| | works |`,
    `|---|---|`,
    `| read | ${ev.works} |`,
    `| with abstract | ${ev.withAbstract} |`,
    `| abstract set aside (publisher placeholder or landing-page teaser; title matched only) | ${ev.abstractSetAside} |`,
    `| tagged AI | ${ev.counts.ai} |`,
    `| tagged medical | ${ev.counts.medical} |`,
    `| tagged medical AI | ${ev.counts.medicalAi} |`,
    `| with MeSH headings (labelled) | ${ev.labelled} (${ev.labelledWithAbstract} with abstract) |`,
    `| AI-positive by MeSH, Robotics counted | ${ev.withRobotics.positives} |`,
    `| AI-positive by MeSH, Robotics not counted | ${ev.withoutRobotics.positives} |`,
    '',
    '## AI half',
    '',
    '| label | N | TP | FP | FN | TN | precision [95% CI] | recall [95% CI] | F1 [95% CI] |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of [ev.withRobotics, ev.withoutRobotics]) {
    const m = r.metrics;
    const c = m.confusion;
    out.push(
      `| ${r.name} | ${c.tp + c.fp + c.fn + c.tn} | ${c.tp} | ${c.fp} | ${c.fn} | ${c.tn} | ${pct(m.precision.value)} [${interval(m.precision.ci)}] | ${pct(m.recall.value)} [${interval(m.recall.ci)}] | ${pct(m.f1.value)} [${interval(m.f1.ci)}] |`,
    );
  }
  const r = ev.withRobotics;
  out.push(
    '',
    `## False positives (tagged AI, no MeSH AI heading): ${r.fpTotal}${r.fpTotal > r.falsePositives.length ? `, ${r.falsePositives.length} shown` : ''}`,
    '',
    ...sampleTable(r.falsePositives),
    '',
    `## False negatives (MeSH AI heading, not tagged AI): ${r.fnTotal}${r.fnTotal > r.falseNegatives.length ? `, ${r.falseNegatives.length} shown` : ''}`,
    '',
    ...sampleTable(r.falseNegatives),
    '',
    'Run `medai-trends explain <work id>` for the full reasoning on any of these works.',
    '',
    '## Inputs',
    '',
    '| keyword file | sha256 |',
    '|---|---|',
    ...ctx.rules.files.map((f) => `| ${f.path} | ${f.sha256} |`),
  );
  if (ev.idNameMismatches.length > 0) {
    out.push('', '## MeSH headings whose id is listed under another name', '', ...ev.idNameMismatches.map((m) => `- ${m}`));
  }
  return `${out.join('\n')}\n`;
}
