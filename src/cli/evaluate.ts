/**
 * `medai-trends evaluate`: scores the AI half of the keyword rule against MeSH labels on a
 * corpus (snapshot files or the store), prints the figures and writes reports/evaluation.md.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative } from 'node:path';
import { loadKeywordRules } from '../classify/keywords.js';
import { UserError } from '../errors.js';
import { evaluate, evaluationMarkdown, summaryLines } from '../evaluate/evaluate.js';
import { loadMeshSubtree } from '../evaluate/mesh.js';
import { parseJudgements, reviewMarkdown, reviewSummaryLine, sampleRecordPath, scoreJudgements, type JudgedWork, type SampleRecord } from '../evaluate/review.js';
import { openCorpus, skippedLine } from '../evaluate/source.js';
import type { Work } from '../model/work.js';
import type { CliIo } from './io.js';
import { Problems, parseWait, parseYear } from './options.js';

export interface EvaluateFlags {
  db: string;
  snapshot?: string[];
  keywords?: string;
  wait?: string;
  meshSubtree?: string;
  report: string;
  samples: string;
  from?: string;
  to?: string;
  judgements?: string;
}

/** Only the works of the year window, so the error rates match the years a report counts. */
async function* inWindow(works: AsyncIterable<Work> | Iterable<Work>, from: number | null, to: number | null): AsyncGenerator<Work> {
  for await (const w of works) if ((from === null || w.year >= from) && (to === null || w.year <= to)) yield w;
}

/** A filled-in review sheet and, when it sits next to it, the record of how it was drawn. */
async function readSheet(path: string): Promise<{ path: string; works: JudgedWork[]; record: SampleRecord | null }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the judgements ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const works = parseJudgements(text, path);
  const recordPath = sampleRecordPath(path);
  let recordText: string;
  try {
    recordText = await readFile(recordPath, 'utf8');
  } catch {
    return { path, works, record: null };
  }
  try {
    return { path, works, record: JSON.parse(recordText) as SampleRecord };
  } catch (e) {
    throw new UserError(`${recordPath}: the draw record of ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** A path under the working directory as a relative one; others as they are. */
function relativeTo(cwd: string, path: string): string {
  const r = relative(cwd, path);
  return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? path : r;
}

/** The action of `evaluate`, declared in main.ts. */
export async function evaluateCommand(o: EvaluateFlags, io: CliIo): Promise<void> {
  const p = new Problems();
  const samples = Number(o.samples);
  if (!Number.isInteger(samples) || samples < 0) p.add(`--samples must be a whole number, got "${o.samples}"`);
  const from = parseYear(p, '--from', o.from);
  const to = parseYear(p, '--to', o.to);
  if (from !== null && to !== null && from > to) p.add(`--from ${from} is after --to ${to}`);
  const wait = parseWait(p, o.wait);
  p.throwIfAny();
  const rules = await loadKeywordRules(o.keywords);
  const subtree = await loadMeshSubtree(o.meshSubtree);
  const judged = o.judgements === undefined ? null : await readSheet(o.judgements);
  const source = await openCorpus({ ...o, wait }, io.effects);
  const skipped = skippedLine('evaluate', source);
  if (skipped !== null) io.effects.log(skipped);
  let corpus = source.description;
  try {
    if (from !== null || to !== null) corpus += `, years ${from ?? 'any'}-${to ?? 'any'}`;
    const ev = await evaluate(inWindow(source.works, from, to), rules, subtree, {
      samples,
      setAside: source.setAside,
      track: new Set(judged?.works.map((j) => j.workId) ?? []),
    });
    if (ev.works === 0) throw new UserError(`no works found in ${corpus}`);
    if (ev.labelled === 0) io.effects.log('evaluate: no work has MeSH headings, so nothing can be scored');
    await mkdir(dirname(o.report), { recursive: true });
    let md = evaluationMarkdown(ev, { corpus, rules, subtree, display: (path) => relativeTo(io.cwd, path) });
    const lines = summaryLines(ev);
    if (judged !== null) {
      const review = scoreJudgements(judged.works, ev.tracked);
      md += reviewMarkdown(review, relativeTo(io.cwd, judged.path), judged.record, rules);
      lines.push(reviewSummaryLine(review));
    }
    await writeFile(o.report, md);
    io.effects.stdout(`${lines.join('\n')}\nwrote ${o.report}\n`);
  } finally {
    source.close();
  }
}
