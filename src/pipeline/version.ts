import { readFileSync } from 'node:fs';
import { PACKAGE_JSON } from '../paths.js';

/** The package version, recorded in every manifest. */
export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }
).version;
