/**
 * Records as read (snapshot lines, API results) validated into a batch for the store: usable
 * works, and records set aside with their reasons. Validation happens here, where records are
 * read; the store persists what it is given.
 */
import { normalizeWork, type Work } from './work.js';

/** Raw text kept with a reject: enough to see what was wrong without storing a huge record twice. */
const MAX_REJECT_RAW = 20_000;

export interface RejectRow {
  kind: 'rejected' | 'repaired';
  origin: string;
  workId: string | null;
  reason: string;
  raw: string | null;
}

export interface WorkBatch {
  works: { work: Work; origin: string }[];
  rejects: RejectRow[];
  /** Records this batch stands for (works + rejected), for the running total. */
  recordsRead: number;
}

/** A record as read: parsed JSON, or the text of a record that could not be parsed. */
export type ReadRecord = { origin: string; raw: unknown } | { origin: string; parseError: string; text: string };

function rawText(raw: unknown): string | null {
  if (raw === undefined) return null;
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return text.length > MAX_REJECT_RAW ? `${text.slice(0, MAX_REJECT_RAW)}…` : text;
}

/** Normalizes records into a batch: usable works, and rejects with their reasons, in read order. */
export function toBatch(records: readonly ReadRecord[]): WorkBatch {
  const batch: WorkBatch = { works: [], rejects: [], recordsRead: records.length };
  for (const record of records) {
    const { origin } = record;
    if ('parseError' in record) {
      batch.rejects.push({ kind: 'rejected', origin, workId: null, reason: record.parseError, raw: rawText(record.text) });
      continue;
    }
    const { raw } = record;
    const n = normalizeWork(raw);
    if (!n.ok) {
      batch.rejects.push({ kind: 'rejected', origin, workId: n.workId, reason: n.reason, raw: rawText(raw) });
      continue;
    }
    batch.works.push({ work: n.work, origin });
    for (const note of n.notes) batch.rejects.push({ kind: 'repaired', origin, workId: n.work.id, reason: note, raw: null });
  }
  return batch;
}
