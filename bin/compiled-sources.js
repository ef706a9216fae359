// The TypeScript sources as JavaScript, compiled by esbuild file by file (no bundling, so each
// command still loads only its own modules) into node_modules/.cache/medai-trends/<key>/, where
// <key> names the exact sources it was made from. A run after a change compiles once (about a
// tenth of a second); every other run imports the cached files directly, which is what keeps
// `--help` and `--version` well under half a second where tsx's loader alone takes about that.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const CACHE = join(ROOT, 'node_modules', '.cache', 'medai-trends');
/** What the sources find beside them through import.meta.url (`../../queries/`, `../../data/`). */
const BESIDE = ['data', 'queries', 'package.json'];
/** A cached build no run has used for this long is removed when a new one is made. */
const STALE_MS = 24 * 60 * 60 * 1000;

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
      await build({
        entryPoints: files,
        outbase: SRC,
        outdir: join(tmp, 'src'),
        format: 'esm',
        platform: 'node',
        target: 'node20',
        sourcemap: true,
        logLevel: 'silent',
      });
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
