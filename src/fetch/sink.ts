/**
 * How fetched works reach storage. The DuckDB store implements this; the fetcher only knows the
 * interface, so it can be tested with any real sink and the store can change without it.
 */

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
}

export interface PageBatch {
  /** The page's records as the API sent them; `origin` is the credential-free page URL + `#results[i]`. */
  raws: { origin: string; raw: unknown }[];
  checkpoint: SliceCheckpoint;
}

export interface WorkSink {
  /** Normalizes + stores the page's works and rejects AND saves the checkpoint in ONE DuckDB transaction (so kill -9 never splits them). */
  commitPage(batch: PageBatch): Promise<void>;
  getCheckpoint(sliceId: string): Promise<SliceCheckpoint | null>;
}
