/**
 * Hand judgements of the medical-AI tag (a review sheet's `judgement` column) read back and scored
 * into a precision with a 95% interval. Below the pipeline, so a report can state the precision of
 * the rules it counts with (src/pipeline/compare.ts) as `evaluate --judgements` does.
 */
import Papa from 'papaparse';
import { UserError } from '../errors.js';
import { wilson, type Interval } from '../model/interval.js';
import { shortWorkId } from '../model/work.js';

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
