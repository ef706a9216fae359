/**
 * The duckdb reader's abstract rebuild, spread over worker threads: JSON.parse and abstractOf()
 * (src/model/work.ts, the node reader's own) on the indexes DuckDB hands over. On the main thread
 * alone it was the reader's slowest step while DuckDB's threads waited; the pool's workers run the
 * batches of all parts being read at once (how many: ABSTRACT_WORKERS in ingest-duckdb.ts).
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads.js';
import { abstractOfJson, type KeptAbstract } from '../model/work.js';

export interface RebuildRequest {
  id: number;
  indexes: string[];
}

export interface RebuildResult {
  id: number;
  texts: (string | null)[];
  notes: string[][];
  /** JSON.parse could not read the index as DuckDB wrote it: the node reader reads the record. */
  failed: boolean[];
}

/** The rebuild of one batch, wherever it runs. */
export function rebuildBatch({ id, indexes }: RebuildRequest): RebuildResult {
  const out: RebuildResult = { id, texts: [], notes: [], failed: [] };
  for (const json of indexes) {
    let abstract: KeptAbstract | null;
    try {
      abstract = abstractOfJson(json);
    } catch {
      abstract = null;
    }
    out.texts.push(abstract?.text ?? null);
    out.notes.push(abstract?.notes ?? []);
    out.failed.push(abstract === null);
  }
  return out;
}

/** Rebuilds batches of abstract indexes: in worker threads, or in this thread (`inline`). */
export interface AbstractRebuilder {
  rebuild(indexes: string[]): Promise<RebuildResult>;
}

export const inlineRebuilder: AbstractRebuilder = { rebuild: async (indexes) => rebuildBatch({ id: 0, indexes }) };

/** `size` worker threads; close() when the read is done (they keep the process alive). */
export class AbstractPool implements AbstractRebuilder {
  private readonly workers: Worker[] = [];
  private readonly busy: number[] = [];
  private readonly waiting = new Map<number, { resolve: (r: RebuildResult) => void; reject: (e: Error) => void; worker: number }>();
  private next = 0;
  private failure: Error | null = null;

  constructor(size: number) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = startWorker(import.meta.url, 'abstract-worker');
      worker.on('message', (r: RebuildResult) => {
        const w = this.waiting.get(r.id);
        if (w === undefined) return;
        this.waiting.delete(r.id);
        this.busy[w.worker]!--;
        w.resolve(r);
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`an abstract worker thread stopped (exit code ${code})`));
      });
      this.workers.push(worker);
      this.busy.push(0);
    }
  }

  /** A worker's error fails every batch it and the others still owe: the read stops, it does not hang. */
  private fail(err: Error): void {
    this.failure ??= err;
    for (const [id, w] of this.waiting) {
      this.waiting.delete(id);
      w.reject(err);
    }
  }

  rebuild(indexes: string[]): Promise<RebuildResult> {
    if (this.failure !== null) return Promise.reject(this.failure);
    // The least busy worker takes the batch.
    let worker = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.busy[i]! < this.busy[worker]!) worker = i;
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, worker });
      this.busy[worker]!++;
      this.workers[worker]!.postMessage({ id, indexes } satisfies RebuildRequest);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the abstract pool is closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
