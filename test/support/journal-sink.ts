/**
 * A small real WorkSink for the fetcher's own tests: an append-only journal, one JSON line per
 * committed page (works, rejects and checkpoint together). A line counts only when it ends in
 * `\n`, so a kill -9 mid-append loses that page's commit whole, never half of it, which is the
 * same all-or-nothing promise the DuckDB store keeps with a transaction.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { isNewerCopy, type Work } from '../../src/model/work.js';
import type { PageBatch, SliceCheckpoint, WorkSink } from '../../src/fetch/sink.js';

interface JournalLine {
  works: { origin: string; work: Work }[];
  rejects: { origin: string; reason: string; workId: string | null }[];
  checkpoint: SliceCheckpoint;
}

export class JournalSink implements WorkSink {
  readonly works = new Map<string, Work>();
  readonly rejects: JournalLine['rejects'] = [];
  readonly checkpoints = new Map<string, SliceCheckpoint>();
  commits = 0;

  private constructor(readonly file: string) {}

  static async open(file: string): Promise<JournalSink> {
    const sink = new JournalSink(file);
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    for (const line of complete.split('\n')) if (line.length > 0) sink.apply(JSON.parse(line) as JournalLine);
    return sink;
  }

  private apply(line: JournalLine): void {
    for (const { work } of line.works) {
      const old = this.works.get(work.id);
      // Keep the newest copy of a work read twice, by the store's own rule.
      if (old === undefined || isNewerCopy(work, old)) this.works.set(work.id, work);
    }
    this.rejects.push(...line.rejects);
    this.checkpoints.set(line.checkpoint.sliceId, line.checkpoint);
    this.commits++;
  }

  async commitPage(batch: PageBatch): Promise<void> {
    const line: JournalLine = {
      works: batch.works,
      rejects: batch.rejects.filter((r) => r.kind === 'rejected').map(({ origin, reason, workId }) => ({ origin, reason, workId })),
      checkpoint: batch.checkpoint,
    };
    await appendFile(this.file, `${JSON.stringify(line)}\n`);
    this.apply(line);
  }

  async getCheckpoint(sliceId: string): Promise<SliceCheckpoint | null> {
    return this.checkpoints.get(sliceId) ?? null;
  }
}
