/**
 * The project's own folders, found from this file alone. `package.json` is resolved through links,
 * so the paths are the project's real ones whether the sources run as TypeScript or compiled into
 * the bin's cache (bin/compiled-sources.js), whose data/, queries/ and package.json link back here.
 */
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_JSON = realpathSync(fileURLToPath(new URL('../package.json', import.meta.url)));
export const PROJECT_ROOT = dirname(PACKAGE_JSON);
export const QUERIES_DIR = join(PROJECT_ROOT, 'queries');
export const DATA_DIR = join(PROJECT_ROOT, 'data');
