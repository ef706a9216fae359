/**
 * `report --counts <csv>`: the report of a counts file made anywhere, with no database opened. The
 * config file is not read: it describes this tool's own runs (database, keyword lists, a window
 * of its own), and the window here is the file's unless --from/--to/--countries narrow it.
 */
import { parsePolicy, parseCountries, parseReport, parseWait, parseYear, Problems, type ReportFlags } from './options.js';
import { UserError } from '../errors.js';
import { countsWindow, readCountsFile } from '../pipeline/counts-file.js';
import { lockEffects } from '../pipeline/lock.js';
import { OutputFolder } from '../pipeline/output-folder.js';
import { printReportPdfs } from '../pipeline/report.js';
import { produceCountsReport } from '../pipeline/report-counts.js';
import { chromiumPath } from '../report/pdf.js';
import type { CliIo } from './io.js';

export interface CountsReportFlags extends ReportFlags {
  counts: string;
  from?: string;
  to?: string;
  countries?: string;
  dataDate?: string;
  sourceLabel?: string;
  countryPolicy?: string;
  wait?: string;
  /** The report options that count works, which a file of counts has no works for. */
  types?: string;
  mergeVersions?: boolean;
  compareKeywords?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export async function countsReportCommand(o: CountsReportFlags, io: CliIo): Promise<void> {
  const p = new Problems();
  for (const [flag, given] of [['--types', o.types], ['--merge-versions', o.mergeVersions], ['--compare-keywords', o.compareKeywords]] as const) {
    if (given !== undefined) p.add(`${flag} decides which works are counted; with --counts the file's counts are drawn as they are`);
  }
  const asked = {
    from: parseYear(p, '--from', o.from),
    to: parseYear(p, '--to', o.to),
    countries: o.countries === undefined ? null : parseCountries(p, o.countries),
  };
  if (o.dataDate !== undefined && !DATE.test(o.dataDate)) p.add(`--data-date must be a date such as 2026-06-01, got "${o.dataDate}"`);
  const report = parseReport(p, o);
  const countryPolicy = parsePolicy(p, o.countryPolicy);
  const wait = parseWait(p, o.wait);
  p.throwIfAny();

  const file = await readCountsFile(o.counts);
  const window = countsWindow(file, asked);
  const provenance = { dataDate: o.dataDate ?? 'unknown', sourceLabel: o.sourceLabel ?? `counts in ${o.counts}`, countryPolicy };
  const folder = await OutputFolder.claim(report.outDir, [{ label: '--counts', path: o.counts }], lockEffects(io.effects.log), wait);
  try {
    const run = await produceCountsReport(file, window, provenance, { ...report, writeTo: folder.staging }, io.effects);
    io.effects.stdout(run.summary);
    let pdfFailed: UserError | undefined;
    try {
      if (report.pdf) await printReportPdfs(folder.staging, report.outDir, io.effects, { executablePath: chromiumPath(io.env) });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      pdfFailed = e;
    }
    await folder.commit();
    if (pdfFailed) throw pdfFailed;
  } finally {
    folder.release();
  }
}
