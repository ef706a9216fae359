/**
 * The browser builds of vega, vega-lite and vega-embed, read from node_modules so report pages can
 * inline them and work offline or as an e-mail attachment. Located through `import.meta.resolve`
 * because the packages' `exports` maps hide package.json from `require.resolve`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface BrowserLibrary {
  /** npm package name, as in a jsDelivr URL. */
  name: string;
  version: string;
  /** Path inside the package, e.g. `build/vega.min.js`. */
  file: string;
  code: string;
  /** Subresource-integrity hash of the exact bytes; jsDelivr serves the npm file unchanged. */
  integrity: string;
}

// vega-embed's UMD build expects the globals `vega` and `vegaLite`, so this order matters.
const LIBRARIES = [
  { name: 'vega', file: 'build/vega.min.js' },
  { name: 'vega-lite', file: 'build/vega-lite.min.js' },
  { name: 'vega-embed', file: 'build/vega-embed.min.js' },
] as const;

let cached: Promise<BrowserLibrary[]> | undefined;

export function browserLibraries(): Promise<BrowserLibrary[]> {
  cached ??= Promise.all(
    LIBRARIES.map(async (lib) => {
      // Each package's entry point sits in its build/ folder, next to the minified browser build.
      const entry = fileURLToPath(import.meta.resolve(lib.name));
      const root = entry.replace(/build\/[^/]+$/, '');
      const bytes = await readFile(`${root}${lib.file}`);
      const integrity = `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
      // The version from the package's own package.json: importing vega-embed for its `version`
      // loaded it and its dependencies into every command (about 0.1 s).
      const { version } = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as { version: string };
      return { ...lib, version, code: bytes.toString('utf8'), integrity };
    }),
  );
  return cached;
}
