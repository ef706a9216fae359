/**
 * `medai-trends review-sample`: draws a seeded random sample of the works the rule tags medical AI
 * and writes a sheet for a person to mark yes / no / unsure, plus the record of how it was drawn.
 * `medai-trends evaluate --judgements <sheet>` turns the marks into a precision with an interval.
 */
import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadKeywordRules } from '../classify/keywords.js';
import { UserError } from '../errors.js';
import { drawReviewSample, reviewSheet, sampleRecordPath, type SampleRecord } from '../evaluate/review.js';
import { openCorpus, skippedLine } from '../evaluate/source.js';
import { corpusOptions } from './flags.js';
import { Problems, integer, parseCountries, parsePolicy, parseYear } from './options.js';

interface ReviewFlags {
  db: string;
  snapshot?: string[];
  keywords?: string;
  n: string;
  seed: string;
  from?: string;
  to?: string;
  countries?: string;
  countryPolicy?: string;
  out: string;
}

export function register(program: Command): void {
  corpusOptions(program.command('review-sample'))
    .description('draw a random sample of the works tagged medical AI, as a sheet to judge by hand (then: evaluate --judgements)')
    .option('--n <count>', 'works to draw', '100')
    .option('--seed <number>', 'random seed: the same corpus, lists and seed draw the same works', '1')
    .option('--from <year>', 'draw only works published in or after this year (default: all)')
    .option('--to <year>', 'draw only works published in or before this year (default: all)')
    .option('--countries <codes>', 'draw only works with an affiliation in one of these ISO alpha-2 codes, e.g. US,CN (default: any)')
    .option('--country-policy <policy>', 'separate (HK, MO and TW apart from CN) or fold-hk-mo', 'separate')
    .option('--out <csv>', 'where to write the sheet', 'reports/review-sample.csv')
    .action(async (o: ReviewFlags) => {
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
      p.throwIfAny();
      const rules = await loadKeywordRules(o.keywords);
      const source = await openCorpus(o);
      const skipped = skippedLine('review-sample', source);
      if (skipped !== null) process.stderr.write(`${skipped}\n`);
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
        process.stdout.write(
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
    });
}
