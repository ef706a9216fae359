/**
 * Where fetched pages go. The store implements this; a page's works, its rejects and the slice
 * checkpoint are committed together so that a run killed at any moment resumes without losing
 * or double-storing a work.
 */
export interface SliceCheckpoint {
  sliceId: string;
  /** The slice's query URL, without credentials. */
  query: string;
  /** The cursor to fetch next; null once the slice is done. */
  cursor: string | null;
  pagesDone: number;
  worksStored: number;
  done: boolean;
}

export interface PageBatch {
  raws: { origin: string; raw: unknown }[];
  checkpoint: SliceCheckpoint;
}

export interface WorkSink {
  /** Normalizes and stores the page's works and rejects AND saves the checkpoint in one transaction. */
  commitPage(batch: PageBatch): Promise<void>;
  getCheckpoint(sliceId: string): Promise<SliceCheckpoint | null>;
}
