/**
 * vitest globalSetup: every temporary file and folder the tests make (mkdtemp under os.tmpdir(),
 * the CLI children they spawn, Chromium's profiles) goes under one folder of this run, removed
 * when the run ends. Tests made ~200 MB folders they left behind; thousands of runs filled a disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'medai-test-run-'));
  // os.tmpdir() reads TMPDIR on each call; the test workers and their children inherit it.
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
