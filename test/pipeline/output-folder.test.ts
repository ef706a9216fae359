/**
 * The swap's carry-over of files the tool does not know: a file of the user's comes along into the
 * new folder, but never replaces a file of the same name that this run wrote.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockEffects } from '../../src/pipeline/lock.js';
import { OutputFolder } from '../../src/pipeline/output-folder.js';

const quiet = lockEffects(() => {});

describe('OutputFolder.commit carry-over', () => {
  it('keeps a user file, and a name this run wrote holds this run\'s content', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'medai-carry-'));
    const out = join(parent, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'README.md'), 'the user\'s notes\n');
    // A name outside the tool's list (say, an artefact a later version adds), from the previous run.
    writeFileSync(join(out, 'extra.txt'), 'previous run\n');
    const folder = await OutputFolder.claim(out, [], quiet);
    try {
      writeFileSync(join(folder.staging, 'extra.txt'), 'this run\n');
      await folder.commit();
    } finally {
      folder.release();
    }
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('the user\'s notes\n');
    expect(readFileSync(join(out, 'extra.txt'), 'utf8')).toBe('this run\n');
  });
});
