/**
 * How fetched works reach storage. The DuckDB store implements this; the fetcher only knows the
 * interface, so it can be tested with any real sink and the store can change without it.
 */
import type { WorkBatch } from '../model/batch.js';

/** Where one slice's cursor walk stands. Saved with the works of the page it follows. */
export interface SliceCheckpoint {
  sliceId: string;
  /** The slice's credential-free query URL without cursor; a different query is a different slice. */
  query: string;
  /** The cursor to request next; null once the slice is done. */
  cursor: string | null;
  pagesDone: number;
  /** Records received in this slice so far (before normalization). */
  worksStored: number;
  done: boolean;
  /**
   * `meta.count` of the slice's first page: the works OpenAlex said the query matched when the walk
   * began. `reconcile` compares the works stored with it (fewer: pages were lost). Absent: not
   * recorded (a checkpoint saved by an older version).
   */
  expected?: number;
  /**
   * When the walk began (ISO timestamp): works OpenAlex updated since are asked for by a later
   * `refresh` (from_updated_date). Absent: not recorded (an older version, or a test sink).
   */
  fetchedAt?: string;
}

/**
 * One page, validated by the fetcher (toBatch) before it reaches the sink; each origin is the
 * credential-free page URL + `#results[i]`.
 */
export interface PageBatch extends WorkBatch {
  checkpoint: SliceCheckpoint;
}

export interface WorkSink {
  /** Stores the page's works and rejects AND saves the checkpoint in ONE transaction (so kill -9 never splits them). */
  commitPage(batch: PageBatch): Promise<void>;
  getCheckpoint(sliceId: string): Promise<SliceCheckpoint | null>;
}
