/**
 * The import graph of src/: no cycles, and no module imports a later stage. The stages in the
 * order data flows through them; a folder may import its own files and any earlier folder.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';

const SRC = join(REPO_ROOT, 'src');

/**
 * Earlier first. `.` (errors, paths) and effects/ (log, progress, clock) serve every stage. The
 * store comes before the classifier, which reads the works from it and writes its tags into it.
 */
const LAYERS: readonly (readonly string[])[] = [['.', 'effects'], ['model'], ['ingest', 'fetch'], ['store'], ['classify'], ['report'], ['pipeline'], ['evaluate'], ['cli']];

function layerOf(folder: string): number {
  const i = LAYERS.findIndex((l) => l.includes(folder));
  if (i < 0) throw new Error(`src/${folder} is in no layer of this test: add it where it belongs in the flow`);
  return i;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Relative imports of a file (static and dynamic, type-only included: a type is a dependency too). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

const files = sources(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const folder = (f: string): string => relative(SRC, dirname(f)) || '.';

describe('the import graph of src/', () => {
  it('every relative import names a file that exists', () => {
    const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${relative(SRC, f)} -> ${relative(SRC, d)}`));
    expect(missing).toEqual([]);
  });

  it('no module imports a later stage', () => {
    const backwards = [...graph].flatMap(([f, deps]) =>
      deps.filter((d) => graph.has(d) && layerOf(folder(d)) > layerOf(folder(f))).map((d) => `${relative(SRC, f)} -> ${relative(SRC, d)}`),
    );
    expect(backwards).toEqual([]);
  });

  it('has no cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(SRC, p)).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const d of graph.get(f) ?? []) if (graph.has(d)) visit(d, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('knows the layers it checks: the test itself sees a backwards import as one', () => {
    expect(layerOf('store')).toBeGreaterThan(layerOf('ingest'));
    expect(layerOf('cli')).toBe(LAYERS.length - 1);
  });
});
