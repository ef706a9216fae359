// The TypeScript sources as JavaScript, compiled by esbuild file by file (no bundling, so each
// command still loads only its own modules; the drawing thread's module is the one bundle,
// WORKER_BUNDLES) into node_modules/.cache/medai-trends/<key>/, where <key> names the exact
// sources it was made from. A run after a change compiles once (about 1.2 s on two cores, 0.8 s of
// it the bundle); every other run imports the cached files directly, which is what keeps
// `--help` and `--version` well under half a second where tsx's loader alone takes about that.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const CACHE = join(ROOT, 'node_modules', '.cache', 'medai-trends');
/** What the sources find beside them through import.meta.url (`../../queries/`, `../../data/`). */
const BESIDE = ['data', 'queries', 'package.json'];
/** A cached build no run has used for this long is removed when a new one is made. */
const STALE_MS = 24 * 60 * 60 * 1000;

/**
 * Worker threads whose module, compiled, is one bundle with its dependencies in place of the file
 * compiled alone: the report's drawing thread loads vega and vega-lite (dozens of modules) as it
 * starts, in about 0.17 s bundled against 0.35 s file by file, and that load is on the report's
 * critical path. A worker's graph must not locate files through its own import.meta.url (a bundle
 * has one URL); the drawing's locates only packages (import.meta.resolve). resvg is a native addon,
 * and vega's optional `canvas` is not installed: both stay imports.
 */
const WORKER_BUNDLES = ['report/draw-worker'];

/** How every file is built, alone or bundled. */
const BUILD = { format: 'esm', platform: 'node', target: 'node20', sourcemap: true, logLevel: 'silent' };

async function bundleWorkers(build, tmp) {
  for (const name of WORKER_BUNDLES) {
    try {
      await build({
        ...BUILD,
        entryPoints: [join(SRC, `${name}.ts`)],
        outfile: join(tmp, 'src', `${name}.js`),
        bundle: true,
        external: ['@resvg/resvg-js', 'canvas'],
        // CommonJS dependencies bundled into ESM call require().
        banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      });
    } catch {
      // The file compiled alone still runs, only slower to load.
    }
  }
}

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * The file URL of src/cli/main.ts as compiled JavaScript, building it if these sources have not
 * been built yet; null when that cannot be done here (no esbuild, a read-only node_modules), and
 * the caller runs the TypeScript through tsx instead.
 */
export async function compiledMain() {
  try {
    const files = sources(SRC).sort();
    // The project folder too: clones sharing one node_modules (linked) never share a build.
    const hash = createHash('sha256').update(`${ROOT}\n`);
    // And this file: a change in how the sources are built is a new build.
    hash.update(readFileSync(fileURLToPath(import.meta.url)));
    for (const f of files) {
      const s = statSync(f);
      hash.update(`${relative(SRC, f)}\0${s.size}\0${s.mtimeMs}\n`);
    }
    const key = hash.digest('hex').slice(0, 16);
    const dir = join(CACHE, key);
    const main = join(dir, 'src', 'cli', 'main.js');
    try {
      statSync(main);
      return pathToFileURL(main).href;
    } catch {
      // Not built yet: below.
    }
    const { build } = await import('esbuild');
    mkdirSync(CACHE, { recursive: true });
    // Built aside and renamed into place whole, so two runs starting together never see half a build.
    const tmp = join(CACHE, `.tmp-${process.pid}-${Date.now()}`);
    try {
      await build({ ...BUILD, entryPoints: files, outbase: SRC, outdir: join(tmp, 'src') });
      await bundleWorkers(build, tmp);
      for (const name of BESIDE) symlinkSync(join(ROOT, name), join(tmp, name));
    } catch (err) {
      // A source esbuild cannot compile: tsx runs it instead and reports the error in full.
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    try {
      renameSync(tmp, dir);
    } catch {
      // Another run made the same build first: use theirs.
      rmSync(tmp, { recursive: true, force: true });
    }
    for (const old of readdirSync(CACHE)) {
      const path = join(CACHE, old);
      if (path !== dir && Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
    }
    return pathToFileURL(main).href;
  } catch {
    return null;
  }
}
