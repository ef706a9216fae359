/**
 * `medai-trends review-sample`: draws a seeded random sample of the works the rule tags medical AI
 * and writes a sheet for a person to mark yes / no / unsure, plus the record of how it was drawn.
 * `medai-trends evaluate --judgements <sheet>` turns the marks into a precision with an interval.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadKeywordRules } from '../classify/keywords.js';
import { UserError } from '../errors.js';
import { drawReviewSample, reviewSheet, sampleRecordPath, type SampleRecord } from '../evaluate/review.js';
import { openCorpus, skippedLine } from '../evaluate/source.js';
import type { CliIo } from './io.js';
import { Problems, parseWait, integer, parseCountries, parsePolicy, parseYear } from './options.js';

export interface ReviewFlags {
  db: string;
  snapshot?: string[];
  keywords?: string;
  wait?: string;
  n: string;
  seed: string;
  from?: string;
  to?: string;
  countries?: string;
  countryPolicy?: string;
  out: string;
}

/** The action of `review-sample`, declared in main.ts. */
export async function reviewCommand(o: ReviewFlags, io: CliIo): Promise<void> {
  const p = new Problems();
  // A sheet is read by a person: thousands of rows would not be judged.
  const n = integer(p, '--n', o.n, 100, 1, 10_000);
  const seed = integer(p, '--seed', o.seed, 1, 0, 2 ** 32 - 1);
  const from = parseYear(p, '--from', o.from);
  const to = parseYear(p, '--to', o.to);
  if (from !== null && to !== null && from > to) p.add(`--from ${from} is after --to ${to}`);
  if (!/\.csv$/i.test(o.out)) p.add(`--out must name a .csv file, got "${o.out}"`);
  const countries = o.countries === undefined ? null : parseCountries(p, o.countries);
  const policy = parsePolicy(p, o.countryPolicy);
  const wait = parseWait(p, o.wait);
  p.throwIfAny();
  const rules = await loadKeywordRules(o.keywords);
  const source = await openCorpus({ ...o, wait, command: 'review-sample' }, io.effects);
  const skipped = skippedLine('review-sample', source);
  if (skipped !== null) io.effects.log(skipped);
  try {
    const sample = await drawReviewSample(source.works, rules, { n, seed, from, to, countries, policy });
    if (sample.population === 0) throw new UserError(`no work in ${source.description} is tagged medical AI${from !== null || to !== null ? ` in ${from ?? 'any'}-${to ?? 'any'}` : ''}`);
    const record: SampleRecord = {
      corpus: source.description,
      seed,
      requested: n,
      drawn: sample.works.length,
      population: sample.population,
      from,
      to,
      countries,
      countryPolicy: policy,
      keywords: [...rules.files],
    };
    await mkdir(dirname(o.out), { recursive: true });
    await writeFile(o.out, reviewSheet(sample));
    await writeFile(sampleRecordPath(o.out), `${JSON.stringify(record, null, 2)}\n`);
    io.effects.stdout(
      [
        `drew ${sample.works.length} of the ${sample.population} works tagged medical AI (seed ${seed})`,
        `wrote ${o.out} and ${sampleRecordPath(o.out)}`,
        `next: fill the judgement column with yes, no or unsure (is this paper medical AI?), then run`,
        `  medai-trends evaluate ${o.snapshot !== undefined ? `--snapshot ${o.snapshot.join(' ')}` : `--db ${o.db}`} --judgements ${o.out}`,
      ].join('\n') + '\n',
    );
  } finally {
    source.close();
  }
}
