/**
 * What bringing a data set up to date did, whichever its source: the API (recount, then fetch what
 * moved) or a snapshot folder (newer `updated_date=` partitions, then `deleted_ids.csv`).
 */
export interface DataRefresh {
  source: 'api' | 'snapshot';
  /** Whether the stored data set changed: works added, replaced or retired. False: nothing moved. */
  changed: boolean;
  /** What was done, one line each, for the log, the summary and the run's manifest. */
  steps: string[];
  /** USD spent on the API (0 for a snapshot). */
  usdSpent: number;
  /** The newest `updated_date` (YYYY-MM-DD) of the data set after the refresh, or null. */
  dataDate: string | null;
  /** Machine-readable detail for runs/<id>/manifest.json (slices recounted and refetched, partitions read, ids deleted). */
  detail: Record<string, unknown>;
}
