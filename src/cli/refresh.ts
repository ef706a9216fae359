/**
 * `medai-trends refresh`: brings the stored data set up to date at the lowest cost (the API's
 * recount-then-fetch, or a snapshot's newer partitions), then classifies and reports as `run`
 * does, as a recorded run. With nothing new in the data and the settings of the last published
 * run, nothing is redone: --out is left as it is and the run says "no change since <run id>".
 */
import { isDeepStrictEqual } from 'node:util';
import { loadKeywordRules } from '../classify/keywords.js';
import { refreshFromApi } from '../pipeline/refresh-api.js';
import { refreshFromSnapshot } from '../pipeline/refresh-snapshot.js';
import type { DataRefresh } from '../pipeline/refresh-types.js';
import { dataFingerprint, outputsIntact, readRunManifest } from '../pipeline/runs.js';
import { apiBaselinesGap } from '../pipeline/baselines.js';
import type { Store } from '../store/store.js';
import { recordedRun } from './history.js';
import type { CliIo } from './io.js';
import type { FetchFlags, HistoryFlags, ReportFlags } from './options.js';
import type { ConfigUse } from './config.js';
import { apiSettings, baselinesStage, classifyStage, recordSpec, settingsOf, reportStage, withLocked, type CommonFlags, type Settings } from './pipeline.js';

async function refreshData(store: Store, s: Settings, io: CliIo): Promise<DataRefresh> {
  if (s.snapshot.length > 0) return refreshFromSnapshot(store, s.snapshot, io.effects, { rules: await loadKeywordRules(s.scope.keywordsDir), policy: s.scope.countryPolicy });
  const rules = await loadKeywordRules(s.scope.keywordsDir);
  const data = await refreshFromApi(store, s.scope, rules, apiSettings(s, io), io.effects);
  // The baselines move with OpenAlex as the works do: counted again (list-priced) when the data
  // moved, or when none are stored for this scope yet.
  if (s.baselines && (data.changed || (await apiBaselinesGap(store, s.scope)) !== null)) {
    await baselinesStage(store, s, rules, io, data.usdSpent);
    return { ...data, changed: true, steps: [...data.steps, 'baselines counted again'] };
  }
  return data;
}

export async function refreshCommand(o: CommonFlags & FetchFlags & ReportFlags & HistoryFlags, io: CliIo, config?: ConfigUse): Promise<void> {
  const s = settingsOf(o, io, config);
  if (s === null) return;
  const spec = await recordSpec('refresh', s, config);
  await withLocked(s, s.report.outDir, io, (store, folder) =>
    recordedRun(store, spec, io, async (ctx) => {
      const data = await refreshData(store, s, ctx.io);
      for (const step of data.steps) ctx.io.effects.log(`refresh: ${step}`);
      const previous = ctx.previous;
      // Idempotent: the same data, the same settings and the published files untouched give the
      // same outputs, so none are rewritten (a scheduled job's folder keeps its dates). "The same
      // data" is the data the last published run reported from, not what this refresh's data step
      // did: a run killed after its data step and before its report changed the data with nothing
      // published, and a same-day rerun of the API walks that day's updates again, to the same copies.
      // The cheap comparisons first: the fingerprint scans every stored work.
      if (previous !== null && isDeepStrictEqual(previous.settings, JSON.parse(JSON.stringify(spec.settings)))) {
        const published = await readRunManifest(s.db.path, previous.runId);
        if (await outputsIntact(published, s.report.outDir)) {
          const fingerprint = await dataFingerprint(store);
          if (fingerprint === published?.dataFingerprint) return { data, reported: false, fingerprint };
        }
      }
      // The data moved, or the settings did (then the stored data is reclassified, nothing fetched).
      await classifyStage(store, s, ctx.io);
      await reportStage(store, s, folder, ctx.io, ctx.beforeCommit);
      return { data, reported: true };
    }),
);
}
