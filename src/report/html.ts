/**
 * HTML artefacts: the self-contained chart page, the embed snippet and the full report page.
 * Everything user-supplied (titles, method text, country policy, the manifest) goes through
 * `escapeHtml` or into JSON that cannot close its <script>, so a paper title such as
 * `<img src=x onerror=alert(1)>` shows as text. Vega draws chart text as SVG text nodes and
 * vega-tooltip escapes tooltip values, so the chart itself needs no extra escaping.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { BrowserLibrary } from './assets.js';
import { COLLABORATION_NOTE, FRACTIONAL_NOTE, palette, PER_THOUSAND_NOTE, shareNote } from './spec.js';
import type { Metric, ShareDenominator, Theme } from './types.js';

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON that is safe inside <script>: no `<` can start `</script>` or `<!--`, no raw U+2028/9. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Library code inlined in a <script>: `</script` inside a string literal would end the element. */
export function inlineJs(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1');
}

/**
 * No network at all: the pages must work offline and as attachments, and this makes a stray CDN
 * reference fail loudly in the browser test. Vega compiles expressions with `Function`, hence
 * 'unsafe-eval'.
 */
const CSP =
  "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; connect-src 'none'; form-action 'none'; base-uri 'none'";

function scripts(libs: readonly BrowserLibrary[]): string {
  return libs
    .map((l) => `<script data-lib="${escapeHtml(`${l.name}@${l.version}`)}">${inlineJs(l.code)}</script>`)
    .join('\n');
}

/**
 * The print rules serve a browser's Print and `--pdf` alike: paper gets the chart at the page's
 * edge (figure2.pdf is sized to it) and none of the on-screen controls (metric switch, export
 * menu, data: download links) that do nothing on paper. The @page background carries a dark
 * theme into the paper's margins, which the body's background does not reach.
 */
function pageStyle(theme: Theme): string {
  const p = palette(theme);
  return `:root{--bg:${p.background};--fg:${p.text};--muted:${p.muted};--rule:${p.grid};--band:${p.band}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 "DejaVu Sans",system-ui,-apple-system,"Segoe UI",Arial,sans-serif}
main{max-width:980px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .25rem}
h2{font-size:1.1rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--rule);padding-bottom:.25rem}
p.sub,p.meta,.muted{color:var(--muted)}
p.sub{margin:0 0 .25rem}p.meta{margin:0 0 1rem;font-size:.85rem}
.chart{overflow-x:auto}
.chart svg{max-width:100%;height:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:.9rem}
th,td{padding:.3rem .7rem;border-bottom:1px solid var(--rule);text-align:right}
th:first-child,td:first-child{text-align:left}
thead th{vertical-align:bottom}
tr.incomplete td,tr.incomplete th{font-style:italic;background:var(--band)}
tfoot td{font-weight:bold;border-bottom:none}
fieldset{border:none;padding:0;margin:0 0 .75rem;display:flex;gap:1.25rem;flex-wrap:wrap}
legend{font-weight:bold;margin-right:.5rem;float:left}
pre{background:var(--band);padding:.75rem;overflow:auto;font-size:.8rem;max-height:28rem}
a{color:inherit}
abbr{text-decoration:none}
ul.findings li{margin:.2rem 0}
#vg-tooltip-element{font-family:"DejaVu Sans",system-ui,sans-serif}
@page{background:${p.background}}
@media print{main{max-width:none;padding:0}.chart{overflow:visible}#metric,.vega-embed details,.screen-only{display:none}.vega-embed.has-actions{padding-right:0}h2{break-after:avoid}tr,li{break-inside:avoid}tfoot{display:table-row-group}}`;
}

export interface FigurePage {
  title: string;
  description: string;
  spec: TopLevelSpec;
  /** The same chart as static SVG, shown where scripts do not run (e.g. a mail preview). */
  svg: string;
  theme: Theme;
  libraries: readonly BrowserLibrary[];
}

/** The head both pages share: the network-blocking CSP, the escaped title and the theme's style. */
function pageHead(title: string, theme: Theme): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${pageStyle(theme)}</style>
</head>
<body>`;
}

/** figure2.html: the chart alone, interactive (tooltips, export), every byte it needs inlined. */
export function figurePage(f: FigurePage): string {
  return `${pageHead(f.title, f.theme)}
<main>
<div id="chart" class="chart" role="figure" aria-label="${escapeHtml(f.description)}"><noscript>${f.svg}</noscript></div>
</main>
<script type="application/json" id="spec">${jsonForScript(f.spec)}</script>
${scripts(f.libraries)}
<script>
vegaEmbed('#chart', JSON.parse(document.getElementById('spec').textContent), {
  renderer: 'svg',
  actions: { export: true, source: false, compiled: false, editor: false },
  tooltip: { theme: ${JSON.stringify(f.theme)} }
}).then(function () { document.getElementById('chart').setAttribute('data-rendered', 'true'); })
  .catch(function (e) { document.getElementById('chart').textContent = 'Chart failed to render: ' + e.message; });
</script>
</body>
</html>
`;
}

/**
 * figure2.embed.html: a fragment for another page. It loads the same library versions from
 * jsDelivr, pinned with integrity hashes of the files this report was built with; for pages that
 * must work offline, link or <iframe> figure2.html instead.
 */
export function embedSnippet(spec: TopLevelSpec, libs: readonly BrowserLibrary[], id = 'medai-figure2'): string {
  const tags = libs
    .map(
      (l) =>
        `<script src="https://cdn.jsdelivr.net/npm/${l.name}@${l.version}/${l.file}" integrity="${l.integrity}" crossorigin="anonymous"></script>`,
    )
    .join('\n');
  return `<!-- ${escapeHtml(id)}: interactive Figure 2. Paste into a page; offline copy: figure2.html -->
<div id="${escapeHtml(id)}" style="max-width:100%;overflow-x:auto"></div>
${tags}
<script type="application/json" id="${escapeHtml(id)}-spec">${jsonForScript(spec)}</script>
<script>
vegaEmbed('#${id}', JSON.parse(document.getElementById('${id}-spec').textContent), { renderer: 'svg', actions: false });
</script>
`;
}

export interface TableRow {
  year: number;
  incomplete: boolean;
  cells: { papers: number; yoy: number | null }[];
}

export interface ReportPage {
  title: string;
  subtitle: string;
  meta: string;
  theme: Theme;
  metric: Metric;
  /** Per metric: the full figure spec offered for download, and the untitled one shown on the page. */
  specs: Partial<Record<Metric, { download: TopLevelSpec; shown: TopLevelSpec }>>;
  svg: string;
  names: readonly string[];
  rows: readonly TableRow[];
  cagr: { label: string; values: (number | null)[] };
  findings: readonly string[];
  method: string;
  countryPolicy: string;
  /** What a share is a share of: the metric switch's label and the method section name it. */
  denominator: ShareDenominator;
  incompleteNote: string;
  /** Both keyword rules and each one's hand-review precision, when a second rule is counted. */
  compare?: string;
  manifest: unknown;
  countsCsv: string;
  /** Per pair of countries: co-authored papers per year and what part of each one's papers they are; empty with one country. */
  collaboration: readonly { a: string; b: string; nameA: string; nameB: string; rows: readonly { year: number; papers: number; shareOfA: number | null; shareOfB: number | null }[] }[];
  libraries: readonly BrowserLibrary[];
}

const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const PCT = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' });

export function formatInt(n: number): string {
  return INT.format(n);
}
export function formatPct(n: number | null): string {
  return n === null ? '–' : PCT.format(n);
}

function metricLabels(denominator: ShareDenominator): Readonly<Record<Metric, string>> {
  return { count: 'Papers', share: denominator.short, index: 'Index (first year = 100)', 'per-1000': 'Per 1,000 works', fractional: 'Fractional papers', collaboration: 'Co-authored papers' };
}

function table(r: ReportPage): string {
  const head = r.names
    .map((n) => `<th scope="col">${escapeHtml(n)}<br><span class="muted">papers</span></th><th scope="col"><abbr class="muted" title="change from the previous year">YoY</abbr></th>`)
    .join('');
  const body = r.rows
    .map((row) => {
      const cells = row.cells
        .map((c) => `<td>${formatInt(c.papers)}</td><td>${formatPct(c.yoy)}</td>`)
        .join('');
      const mark = row.incomplete ? ' <span title="incomplete: indexing lags publication">†</span>' : '';
      return `<tr${row.incomplete ? ' class="incomplete"' : ''}><th scope="row">${row.year}${mark}</th>${cells}</tr>`;
    })
    .join('\n');
  const foot = r.cagr.values.map((v) => `<td></td><td>${formatPct(v)}</td>`).join('');
  return `<table id="counts">
<caption class="muted" style="caption-side:bottom;text-align:left;padding-top:.4rem">† ${escapeHtml(r.incompleteNote)}</caption>
<thead><tr><th scope="col">Year</th>${head}</tr></thead>
<tbody>
${body}
</tbody>
<tfoot><tr><td>${escapeHtml(r.cagr.label)}</td>${foot}</tr></tfoot>
</table>`;
}

const SHARE = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** "China's", "United States'". */
function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}

/** Co-authored papers of each pair, and each country's share of its output written with the other. */
function collaborationTables(r: ReportPage): string {
  return r.collaboration
    .map((p) => {
      const body = p.rows
        .map((row) => `<tr><th scope="row">${row.year}</th><td>${formatInt(row.papers)}</td><td>${row.shareOfA === null ? '–' : SHARE.format(row.shareOfA)}</td><td>${row.shareOfB === null ? '–' : SHARE.format(row.shareOfB)}</td></tr>`)
        .join('\n');
      return `<h2>Co-authored by ${escapeHtml(p.nameA)} and ${escapeHtml(p.nameB)}</h2>
<table class="collaboration" id="collaboration-${escapeHtml(p.a)}-${escapeHtml(p.b)}">
<thead><tr><th scope="col">Year</th><th scope="col">Papers with authors in both</th><th scope="col">Share of ${escapeHtml(possessive(p.nameA))} papers</th><th scope="col">Share of ${escapeHtml(possessive(p.nameB))} papers</th></tr></thead>
<tbody>
${body}
</tbody>
</table>`;
    })
    .join('\n');
}

function metricSwitch(r: ReportPage): string {
  const labels = metricLabels(r.denominator);
  const available = (Object.keys(labels) as Metric[]).filter((m) => r.specs[m] !== undefined);
  if (available.length < 2) return '';
  const radios = available
    .map(
      (m) =>
        `<label><input type="radio" name="metric" value="${m}"${m === r.metric ? ' checked' : ''}> ${escapeHtml(labels[m])}</label>`,
    )
    .join('\n');
  return `<fieldset id="metric"><legend>Show</legend>${radios}</fieldset>`;
}

/** report.html: chart, table, growth, findings, method, manifest and downloads in one offline page. */
export function reportPage(r: ReportPage): string {
  const csvHref = `data:text/csv;charset=utf-8,${encodeURIComponent(r.countsCsv)}`;
  const findings = r.findings.map((f) => `<li>${escapeHtml(f)}</li>`).join('\n');
  return `${pageHead(r.title, r.theme)}
<main>
<header>
<h1>${escapeHtml(r.title)}</h1>
<p class="sub">${escapeHtml(r.subtitle)}</p>
<p class="meta">${escapeHtml(r.meta)}</p>
</header>
${metricSwitch(r)}
<div id="chart" class="chart" role="figure" aria-label="${escapeHtml(r.title)}"><noscript>${r.svg}</noscript></div>
<h2>Findings</h2>
<ul class="findings" id="findings">
${findings}
</ul>
<h2>Papers per year and country</h2>
${table(r)}
${collaborationTables(r)}
<h2>Method</h2>
<p id="method">${escapeHtml(r.method)}</p>
<p>Countries: ${escapeHtml(r.countryPolicy)}.</p>
${r.specs.share === undefined ? '' : `<p id="share-method">${escapeHtml(shareNote(r.denominator))}</p>\n`}${r.specs['per-1000'] === undefined ? '' : `<p id="per-1000-method">${escapeHtml(PER_THOUSAND_NOTE)}</p>\n`}${r.specs.fractional === undefined ? '' : `<p id="fractional-method">${escapeHtml(FRACTIONAL_NOTE)}</p>`}
${r.collaboration.length === 0 ? '' : `<p id="collaboration-method">${escapeHtml(COLLABORATION_NOTE)}</p>\n`}${r.compare === undefined ? '' : `<p id="compare-method">${escapeHtml(r.compare)}</p>\n`}<p>${escapeHtml(r.incompleteNote)}</p>
<h2 class="screen-only">Downloads</h2>
<ul class="screen-only">
<li><a id="download-csv" href="${escapeHtml(csvHref)}" download="counts.csv">counts.csv</a> (year, country, papers${r.specs.fractional === undefined ? '' : ', fractional'}${r.compare === undefined ? '' : ', papers_compare'}; zero-filled)</li>
<li><a id="download-spec" href="#" download="figure2.vl.json">figure2.vl.json</a> (the Vega-Lite spec of the chart shown)</li>
</ul>
<h2>Run manifest</h2>
<details><summary>What produced these numbers</summary>
<pre id="manifest">${escapeHtml(JSON.stringify(r.manifest, null, 2) ?? 'null')}</pre>
</details>
</main>
<script type="application/json" id="specs">${jsonForScript(r.specs)}</script>
${scripts(r.libraries)}
<script>
(function () {
  var specs = JSON.parse(document.getElementById('specs').textContent);
  var chart = document.getElementById('chart');
  var link = document.getElementById('download-spec');
  var view = null;
  function show(metric) {
    var spec = specs[metric];
    link.href = 'data:application/json;charset=utf-8,' + encodeURIComponent(JSON.stringify(spec.download, null, 2));
    return vegaEmbed(chart, spec.shown, { renderer: 'svg', actions: false, tooltip: { theme: ${JSON.stringify(r.theme)} } })
      .then(function (result) { if (view) view.finalize(); view = result.view; chart.setAttribute('data-metric', metric); })
      .catch(function (e) { chart.textContent = 'Chart failed to render: ' + e.message; });
  }
  document.querySelectorAll('input[name=metric]').forEach(function (input) {
    input.addEventListener('change', function () { if (input.checked) show(input.value); });
  });
  show(${JSON.stringify(r.metric)});
})();
</script>
</body>
</html>
`;
}
