/**
 * Golden-file comparison for report artefacts. `UPDATE_GOLDEN=1` rewrites them; a missing golden
 * is written locally (so a new artefact can be reviewed in the diff) but fails under `CI=true`;
 * a mismatch leaves `<name>-changed.<ext>` next to the golden for diffing.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const GOLDEN_DIR = fileURLToPath(new URL('../golden/', import.meta.url));

export function changedPath(path: string): string {
  return path.replace(/(\.[^./]+)$/, '-changed$1');
}

export interface GoldenEnv {
  update: boolean;
  ci: boolean;
}

export function goldenEnv(env: NodeJS.ProcessEnv = process.env): GoldenEnv {
  return { update: env.UPDATE_GOLDEN === '1', ci: env.CI === 'true' };
}

/** Returns what happened, so the helper's own test can check each branch. */
export async function expectGolden(
  name: string,
  actual: string,
  env: GoldenEnv = goldenEnv(),
  dir: string = GOLDEN_DIR,
): Promise<'matched' | 'written'> {
  const path = join(dir, name);
  const changed = changedPath(path);
  if (env.update || !existsSync(path)) {
    if (!env.update && env.ci) {
      throw new Error(`Golden file ${name} is missing. Run UPDATE_GOLDEN=1 npx vitest run test/report and commit it.`);
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, actual);
    await rm(changed, { force: true });
    return 'written';
  }
  const expected = await readFile(path, 'utf8');
  if (expected !== actual) {
    await writeFile(changed, actual);
    expect(actual, `${name} differs from its golden; see ${changed} (UPDATE_GOLDEN=1 to accept)`).toBe(expected);
  }
  await rm(changed, { force: true });
  return 'matched';
}
